//! Reducers and the values they combine.

use crate::codec::{CodecError, Decoder, Encoder, Marshal};
use serde::{de::DeserializeOwned, Serialize};

/// How contributions are combined. `Custom` takes any associative function (the same one on
/// every element; it runs on every PE of the reduction tree).
///
/// The arithmetic reducers apply to every primitive number type, the logical ones to `bool`,
/// and both element-wise to `Vec`s of them; wrap other types in [`Custom`] and reduce them with
/// `Reducer::Custom`.
///
/// # Examples
///
/// ```
/// use charm_rt::prelude::*;
///
/// /// Associative and commutative, as a custom reducer must be.
/// fn gcd(a: u64, b: u64) -> u64 {
///     if b == 0 { a } else { gcd(b, a % b) }
/// }
///
/// #[chare]
/// pub struct Sample {
///     x: u64,
/// }
///
/// #[chare]
/// impl Sample {
///     fn new() -> Self {
///         // 12, 18, 24, 30 for elements 0 to 3.
///         Sample { x: 12 + 6 * u64::from(Self::this_index()[0]) }
///     }
///
///     /// Contributes to four reductions, in the same order on every element.
///     pub fn reduce(
///         &mut self,
///         sum: Future<u64>,
///         max: Future<u64>,
///         g: Future<u64>,
///         v: Future<Vec<u64>>,
///     ) {
///         charm_rt::contribute(self.x, Reducer::Sum, sum);
///         charm_rt::contribute(self.x, Reducer::Max, max);
///         charm_rt::contribute(self.x, Reducer::Custom(gcd), g);
///         charm_rt::contribute(vec![self.x, 1], Reducer::Sum, v); // element-wise
///     }
/// }
///
/// let code = charm_rt::run(charm_rt::Config::with_pes(2), || async {
///     let samples = SampleProxy::new_array(4);
///     let (sum, max, g, v) = (Future::new(), Future::new(), Future::new(), Future::new());
///     samples.reduce(sum, max, g, v);
///     assert_eq!((sum.await, max.await, g.await), (84, 30, 6));
///     assert_eq!(v.await, vec![84, 4]);
/// });
/// assert_eq!(code, 0);
/// ```
pub enum Reducer<T> {
    /// Sum (element-wise for vectors).
    Sum,
    /// Product.
    Product,
    /// Maximum.
    Max,
    /// Minimum.
    Min,
    /// Logical and (booleans).
    And,
    /// Logical or.
    Or,
    /// Logical exclusive or.
    Xor,
    /// A user function; must be associative (and commutative: arrival order is not fixed).
    Custom(fn(T, T) -> T),
}

impl<T> Clone for Reducer<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Reducer<T> {}

impl<T> Reducer<T> {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Reducer::Sum => "sum",
            Reducer::Product => "product",
            Reducer::Max => "max",
            Reducer::Min => "min",
            Reducer::And => "and",
            Reducer::Or => "or",
            Reducer::Xor => "xor",
            Reducer::Custom(_) => "custom",
        }
    }
}

/// A value that can be reduced: numbers, booleans, and `Vec`s of them (element-wise), or a
/// [`Custom`] wrapper. Numeric vectors travel on the direct-copy path between processes.
pub trait Reducible: Marshal + Clone + Serialize + DeserializeOwned {
    /// Combines two contributions.
    fn combine(self, other: Self, op: Reducer<Self>) -> Self;
}

fn unsupported(op: &str, ty: &str) -> ! {
    panic!("charm-rs: the {op} reducer does not apply to {ty} (logical reducers take bool; arithmetic ones numbers)")
}

/// Combines two vectors element by element.
fn elementwise<T: Reducible + Copy>(mut a: Vec<T>, b: Vec<T>, op: Reducer<T>) -> Vec<T> {
    assert_eq!(
        a.len(),
        b.len(),
        "charm-rs: element-wise reduction of vectors of different lengths ({} and {})",
        a.len(),
        b.len()
    );
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.combine(y, op);
    }
    a
}

macro_rules! numeric {
    ($($t:ty),*) => {$(
        impl Reducible for $t {
            #[inline]
            fn combine(self, o: Self, op: Reducer<Self>) -> Self {
                match op {
                    Reducer::Sum => self + o,
                    Reducer::Product => self * o,
                    Reducer::Max => if o > self { o } else { self },
                    Reducer::Min => if o < self { o } else { self },
                    Reducer::Custom(f) => f(self, o),
                    other => unsupported(other.name(), stringify!($t)),
                }
            }
        }

        impl Reducible for Vec<$t> {
            fn combine(self, o: Self, op: Reducer<Self>) -> Self {
                match op {
                    Reducer::Custom(f) => f(self, o),
                    Reducer::Sum => elementwise(self, o, Reducer::Sum),
                    Reducer::Product => elementwise(self, o, Reducer::Product),
                    Reducer::Max => elementwise(self, o, Reducer::Max),
                    Reducer::Min => elementwise(self, o, Reducer::Min),
                    other => unsupported(other.name(), concat!("Vec<", stringify!($t), ">")),
                }
            }
        }
    )*};
}
crate::codec::for_each_pod!(numeric);

impl Reducible for bool {
    fn combine(self, o: Self, op: Reducer<Self>) -> Self {
        match op {
            Reducer::And => self && o,
            Reducer::Or => self || o,
            Reducer::Xor => self ^ o,
            Reducer::Custom(f) => f(self, o),
            other => unsupported(other.name(), "bool"),
        }
    }
}

impl Reducible for Vec<bool> {
    fn combine(self, o: Self, op: Reducer<Self>) -> Self {
        match op {
            Reducer::Custom(f) => f(self, o),
            Reducer::And => elementwise(self, o, Reducer::And),
            Reducer::Or => elementwise(self, o, Reducer::Or),
            Reducer::Xor => elementwise(self, o, Reducer::Xor),
            other => unsupported(other.name(), "Vec<bool>"),
        }
    }
}

/// A user type reduced with a custom function only, encoded with serde. Wrap a value in it to
/// reduce structs: `Custom(my_struct)` with `Reducer::Custom(merge)`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Custom<T>(pub T);

impl<T: Serialize + DeserializeOwned + Clone + Send + 'static> Marshal for Custom<T> {
    fn encode<'a>(&'a self, enc: &mut Encoder<'_, 'a>) {
        enc.serde(&self.0)
    }
    fn decode(dec: &mut Decoder<'_>) -> Result<Self, CodecError> {
        dec.serde().map(Custom)
    }
}

impl<T: Serialize + DeserializeOwned + Clone + Send + 'static> Reducible for Custom<T> {
    fn combine(self, o: Self, op: Reducer<Self>) -> Self {
        match op {
            Reducer::Custom(f) => f(self, o),
            other => unsupported(other.name(), "Custom<T> (use Reducer::Custom)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_vectors() {
        assert_eq!(3.combine(4, Reducer::Sum), 7);
        assert_eq!(3.0f64.combine(4.0, Reducer::Max), 4.0);
        assert_eq!(3u8.combine(4, Reducer::Min), 3);
        assert_eq!(3i64.combine(4, Reducer::Product), 12);
        assert!(true.combine(false, Reducer::Or));
        assert!(!true.combine(false, Reducer::And));
        assert!(true.combine(false, Reducer::Xor));
        assert_eq!(
            vec![1.0, 2.0].combine(vec![3.0, 5.0], Reducer::Sum),
            vec![4.0, 7.0]
        );
        assert_eq!(5.combine(9, Reducer::Custom(|a, b| a * 10 + b)), 59);
        assert_eq!(
            Custom("a".to_string())
                .combine(
                    Custom("b".into()),
                    Reducer::Custom(|a, b| Custom(a.0 + &b.0))
                )
                .0,
            "ab"
        );
    }

    #[test]
    #[should_panic(expected = "different lengths")]
    fn vector_lengths_must_match() {
        vec![1, 2].combine(vec![1], Reducer::Sum);
    }

    #[test]
    #[should_panic(expected = "does not apply")]
    fn logical_on_numbers_is_an_error() {
        1.combine(2, Reducer::And);
    }
}
