//! A message passed along an N-dimensional chare array in row-major order: every element says
//! hello and passes the greeting to the next one; the last element reports back to main.
//!
//! Run: `cargo run --release --example array_hello -- +p4 [d1 d2 ...]` (default: 4 3 2)

use charm_rt::prelude::*;

/// One element of the array.
#[chare]
pub struct Hello {
    done: Future<usize>,
}

#[chare]
impl Hello {
    fn new(done: Future<usize>) -> Self {
        Hello { done }
    }

    /// Greets, then passes the message on to the next element in row-major order.
    pub fn say_hi(&mut self, hops: usize) {
        let me = Self::this_elem();
        println!(
            "Hi[{hops}] from element {} on PE {}",
            Self::this_index(),
            my_pe()
        );
        let array = Self::this_proxy();
        match array.try_elem(next_index(Self::this_index(), array.shape())) {
            Some(next) if me.position() + 1 < array.len() => next.say_hi(hops + 1),
            _ => self.done.send(hops + 1),
        }
    }
}

/// The row-major successor of `ix` in `shape` (wraps to all zeros after the last).
fn next_index(ix: Index, shape: Index) -> Index {
    let mut v = ix.to_vec();
    for d in (0..v.len()).rev() {
        v[d] += 1;
        if v[d] < shape.get(d) {
            break;
        }
        v[d] = 0;
    }
    Index::new(&v)
}

fn main() {
    charm_rt::start(|args| async move {
        let dims: Vec<usize> = if args.len() > 1 {
            args[1..]
                .iter()
                .map(|a| a.parse().expect("dimensions are numbers"))
                .collect()
        } else {
            vec![4, 3, 2]
        };
        let shape = Index::new(&dims);
        println!(
            "Running array_hello on {} PEs with a {shape} array",
            num_pes()
        );
        let done = Future::new();
        let array = HelloProxy::new_array(shape, done);
        array.elem(Index::new(&vec![0; dims.len()])).say_hi(0);
        let hops = done.await;
        assert_eq!(hops, array.len());
        println!("All {hops} elements said hi");
    })
}
