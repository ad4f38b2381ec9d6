use charm_rt::chare;

#[chare]
pub struct Summer;

#[chare]
impl Summer {
    fn new() -> Self {
        Summer
    }

    pub fn sum(&mut self, data: &[f64]) -> f64 {
        data.iter().sum()
    }
}

#[allow(dead_code)]
fn use_it(s: SummerProxy) {
    let v: Vec<f32> = vec![1.0];
    let _ = s.elem(0).sum_ret(&v);
}

fn main() {}
