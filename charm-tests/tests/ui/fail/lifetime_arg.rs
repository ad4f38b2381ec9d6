use charm_rt::chare;

#[chare]
pub struct Parser;

#[chare]
impl Parser {
    fn new() -> Self {
        Parser
    }

    pub fn parse(&mut self, words: Vec<&'static str>) -> usize {
        words.len()
    }
}

fn main() {}
