use charm_rt::chare;

#[chare]
pub struct Printer;

#[chare]
impl Printer {
    fn new() -> Self {
        Printer
    }

    pub fn print(&mut self, what: impl std::fmt::Display) {
        println!("{what}");
    }
}

fn main() {}
