//! Arguments and return values: bulk numeric vectors and slices (the direct-copy path) mixed with
//! `String`s and user serde types, point-to-point (same PE and other PEs), in broadcasts and in
//! constructor arguments, up to 1 MiB, arriving bit-for-bit intact.

use charm_rt::prelude::*;
use charm_tests::{f64_data, ok, u8_data};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const MIB_F64: usize = (1 << 20) / 8;
const MIB_U8: usize = 1 << 20;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum Shape {
    Point,
    Circle { r: f64 },
    Poly(Vec<(i32, i32)>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub tags: BTreeMap<String, u32>,
    pub shape: Shape,
    pub maybe: Option<Box<Meta>>,
    pub pair: (u8, char),
}

fn meta(seed: u64) -> Meta {
    let mut tags = BTreeMap::new();
    for k in 0..(seed % 5) {
        tags.insert(format!("t{k}"), k as u32 * 7);
    }
    Meta {
        name: format!("meta-{seed}-ünïcødé"),
        tags,
        shape: match seed % 3 {
            0 => Shape::Point,
            1 => Shape::Circle {
                r: seed as f64 / 3.0,
            },
            _ => Shape::Poly(vec![(1, -2), (-3, 4), (seed as i32, 0)]),
        },
        maybe: (seed & 1 == 0).then(|| Box::new(meta(seed + 1))),
        pair: (seed as u8, 'λ'),
    }
}

/// Special floating-point values, compared by their bits.
fn specials() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::EPSILON,
        5e-324,
    ]
}

fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// What every receiver checks: the data is exactly what the sender generated from `seed`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq)]
pub struct Sizes {
    pub seed: u64,
    pub n_f64: usize,
    pub n_u8: usize,
}

#[chare]
pub struct Sink {
    init: Vec<f64>,
    label: String,
    ids: Vec<u32>,
    received: u32,
}

#[chare]
impl Sink {
    fn new(init: Vec<f64>, label: String, ids: &[u32], sizes: Sizes) -> Self {
        assert!(
            same_bits(&init, &f64_data(sizes.n_f64, sizes.seed)),
            "constructor Vec<f64>"
        );
        assert_eq!(ids, (0..sizes.n_u8 as u32).collect::<Vec<_>>().as_slice());
        Sink {
            init,
            label,
            ids: ids.to_vec(),
            received: 0,
        }
    }

    /// Every kind of argument, mixed; panics on any mismatch, returns what it saw.
    #[allow(clippy::too_many_arguments)]
    pub fn mixed(
        &mut self,
        a: Vec<f64>,
        s: String,
        b: &[f64],
        bytes: Vec<u8>,
        m: Meta,
        ints: &[i32],
        sizes: Sizes,
        odd: Vec<u8>,
        after_odd: &[f64],
    ) -> (usize, usize, usize, String, usize) {
        let Sizes { seed, n_f64, n_u8 } = sizes;
        assert!(same_bits(&a, &f64_data(n_f64, seed)), "a: Vec<f64>");
        assert_eq!(s, format!("string-{seed}"));
        assert!(
            same_bits(b, &f64_data(n_f64 / 2 + 1, seed + 1)),
            "b: &[f64]"
        );
        assert_eq!(bytes, u8_data(n_u8, seed), "bytes: Vec<u8>");
        assert_eq!(m, meta(seed));
        let want_ints: Vec<i32> = (0..n_f64 as i32).map(|i| i.wrapping_mul(-7919)).collect();
        assert_eq!(ints, want_ints.as_slice(), "ints: &[i32]");
        assert_eq!(odd, u8_data(3, seed), "odd-length Vec<u8>");
        assert!(
            same_bits(after_odd, &specials()),
            "slice after an odd-length byte vector"
        );
        self.received += 1;
        (a.len(), b.len(), bytes.len(), s, my_pe())
    }

    /// Other plain element types.
    #[allow(clippy::too_many_arguments)]
    pub fn numbers(
        &self,
        f: Vec<f32>,
        u: &[u64],
        i8s: Vec<i8>,
        us: &[usize],
        i16s: Vec<i16>,
        big: &[u128],
        signed: Vec<i64>,
        n: usize,
    ) -> bool {
        assert_eq!(f, (0..n).map(|k| k as f32 * 0.25).collect::<Vec<_>>());
        assert_eq!(
            u,
            (0..n as u64)
                .map(|k| k << 40)
                .collect::<Vec<_>>()
                .as_slice()
        );
        assert_eq!(
            i8s,
            (0..n).map(|k| (k % 256) as u8 as i8).collect::<Vec<_>>()
        );
        assert_eq!(us, (0..n).rev().collect::<Vec<_>>().as_slice());
        assert_eq!(
            i16s,
            (0..n)
                .map(|k| (k as i16).wrapping_neg())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            big,
            (0..n as u128)
                .map(|k| k << 100)
                .collect::<Vec<_>>()
                .as_slice()
        );
        assert_eq!(
            signed,
            (0..n as i64).map(|k| i64::MIN + k).collect::<Vec<_>>()
        );
        true
    }

    /// Empty bulk arguments.
    pub fn empties(&self, a: Vec<f64>, b: &[u8], s: String, c: Vec<i32>) -> usize {
        assert!(a.is_empty() && b.is_empty() && c.is_empty());
        s.len()
    }

    /// Returns a bulk vector: the argument scaled.
    pub fn scaled(&self, a: &[f64], k: f64) -> Vec<f64> {
        a.iter().map(|x| x * k).collect()
    }

    /// Returns bytes.
    pub fn bytes_back(&self, n: usize, seed: u64) -> Vec<u8> {
        u8_data(n, seed)
    }

    /// Returns the constructor's data (1 MiB when created so).
    pub fn init(&self) -> Vec<f64> {
        self.init.clone()
    }

    /// Returns a serde value holding vectors.
    pub fn describe(&self) -> (String, Vec<u32>, u32, Meta) {
        (self.label.clone(), self.ids.clone(), self.received, meta(3))
    }

    /// Forwards a big slice to the next element, around the ring; the last one resolves `done`.
    pub fn relay(&self, data: &[f64], hops_left: usize, seed: u64, done: Future<(usize, bool)>) {
        let ok = same_bits(data, &f64_data(data.len(), seed));
        assert!(ok, "relay data corrupted on PE {}", my_pe());
        if hops_left == 0 {
            done.send((data.len(), ok));
        } else {
            let proxy = Self::this_proxy();
            let next = (Self::this_elem().position() + 1) % proxy.len();
            proxy.elem(next).relay(data, hops_left - 1, seed, done);
        }
    }
}

/// Bulk arguments and return values of async entry methods.
#[chare]
pub struct AsyncSink {
    calls: std::cell::Cell<u32>,
}

#[chare]
impl AsyncSink {
    fn new() -> Self {
        AsyncSink {
            calls: std::cell::Cell::new(0),
        }
    }

    pub fn tick(&self) -> u32 {
        self.calls.set(self.calls.get() + 1);
        self.calls.get()
    }

    /// Suspends once, then returns the slice scaled, with a string and a serde value checked.
    pub async fn scaled_later(
        &self,
        a: &[f64],
        k: f64,
        s: String,
        m: Meta,
        b: Vec<u8>,
    ) -> Vec<f64> {
        Self::this_elem().tick_ret().await.expect("tick");
        assert_eq!(s, "async");
        assert_eq!(m, meta(8));
        assert_eq!(b, u8_data(b.len(), 8));
        a.iter().map(|x| x * k).collect()
    }
}

async fn send_mixed(to: SinkElemProxy, seed: u64, n_f64: usize, n_u8: usize) {
    let sizes = Sizes { seed, n_f64, n_u8 };
    let ints: Vec<i32> = (0..n_f64 as i32).map(|i| i.wrapping_mul(-7919)).collect();
    let r = to
        .mixed_ret(
            f64_data(n_f64, seed),
            format!("string-{seed}"),
            &f64_data(n_f64 / 2 + 1, seed + 1),
            u8_data(n_u8, seed),
            meta(seed),
            &ints,
            sizes,
            u8_data(3, seed),
            &specials(),
        )
        .await
        .expect("mixed");
    assert_eq!(
        r,
        (
            n_f64,
            n_f64 / 2 + 1,
            n_u8,
            format!("string-{seed}"),
            to.pe()
        )
    );
}

fn main() {
    charm_rt::start(|_args| async move {
        let n = num_pes();
        let sizes = Sizes {
            seed: 11,
            n_f64: 1000,
            n_u8: 17,
        };
        let ids: Vec<u32> = (0..17).collect();
        let sinks = SinkProxy::new_array(2 * n, f64_data(1000, 11), "arr".to_string(), &ids, sizes);

        // Point to point: small and 1 MiB, to an element on this PE and on every other PE.
        for e in sinks.elems() {
            send_mixed(e, e.position() as u64, 10, 5).await;
        }
        send_mixed(sinks.elem(0usize), 100, MIB_F64, MIB_U8).await;
        send_mixed(sinks.elem(2 * n - 1), 101, MIB_F64, MIB_U8).await;

        // Broadcast of the same mix, 1 MiB.
        let seed = 7;
        let ints: Vec<i32> = (0..MIB_F64 as i32).map(|i| i.wrapping_mul(-7919)).collect();
        let all = sinks
            .mixed_ret(
                f64_data(MIB_F64, seed),
                format!("string-{seed}"),
                &f64_data(MIB_F64 / 2 + 1, seed + 1),
                u8_data(MIB_U8, seed),
                meta(seed),
                &ints,
                Sizes {
                    seed,
                    n_f64: MIB_F64,
                    n_u8: MIB_U8,
                },
                u8_data(3, seed),
                &specials(),
            )
            .await
            .expect("mixed broadcast");
        assert_eq!(all.len(), 2 * n);
        for (e, r) in sinks.elems().zip(&all) {
            assert_eq!(r.4, e.pe());
            assert_eq!((r.0, r.1, r.2), (MIB_F64, MIB_F64 / 2 + 1, MIB_U8));
        }

        // Other element types, p2p and broadcast; small (inline in the message) and large
        // (on the MPI layer, sent as separate segments for every element size).
        for k in [300usize, 40_000] {
            let f: Vec<f32> = (0..k).map(|x| x as f32 * 0.25).collect();
            let u: Vec<u64> = (0..k as u64).map(|x| x << 40).collect();
            let i8s: Vec<i8> = (0..k).map(|x| (x % 256) as u8 as i8).collect();
            let us: Vec<usize> = (0..k).rev().collect();
            let i16s: Vec<i16> = (0..k).map(|x| (x as i16).wrapping_neg()).collect();
            let big: Vec<u128> = (0..k as u128).map(|x| x << 100).collect();
            let signed: Vec<i64> = (0..k as i64).map(|x| i64::MIN + x).collect();
            assert!(sinks
                .elem(2 * n - 1)
                .numbers_ret(
                    f.clone(),
                    &u,
                    i8s.clone(),
                    &us,
                    i16s.clone(),
                    &big,
                    signed.clone(),
                    k
                )
                .await
                .expect("numbers"));
            let oks = sinks
                .numbers_ret(f, &u, i8s, &us, i16s, &big, signed, k)
                .await
                .expect("numbers broadcast");
            assert_eq!(oks, vec![true; 2 * n]);
        }

        // Empty vectors and slices.
        assert_eq!(
            sinks
                .elem(n)
                .empties_ret(Vec::new(), &[], "xyz".into(), Vec::new())
                .await
                .expect("empties"),
            3
        );
        assert_eq!(
            sinks
                .empties_ret(Vec::new(), &[], String::new(), Vec::new())
                .await
                .expect("empties"),
            vec![0; 2 * n]
        );

        // Returning Vec<f64> (1 MiB), p2p and broadcast; Vec<u8>.
        let big_in = f64_data(MIB_F64, 5);
        let want: Vec<f64> = big_in.iter().map(|x| x * -2.5).collect();
        let got = sinks
            .elem(2 * n - 1)
            .scaled_ret(&big_in, -2.5)
            .await
            .expect("scaled");
        assert!(same_bits(&got, &want));
        let got_all = sinks
            .scaled_ret(&big_in[..1000], 3.0)
            .await
            .expect("scaled");
        assert_eq!(got_all.len(), 2 * n);
        for g in &got_all {
            assert!(same_bits(
                g,
                &big_in[..1000].iter().map(|x| x * 3.0).collect::<Vec<_>>()
            ));
        }
        let sp = sinks
            .elem(n)
            .scaled_ret(&specials(), 1.0)
            .await
            .expect("scaled");
        assert!(
            same_bits(&sp, &specials()),
            "special values survive a round trip"
        );
        let b = sinks
            .elem(2 * n - 1)
            .bytes_back_ret(MIB_U8 + 1, 9)
            .await
            .expect("bytes");
        assert_eq!(b, u8_data(MIB_U8 + 1, 9));

        // Constructor arguments arrived intact everywhere; serde return values with vectors.
        let inits = sinks.init_ret().await.expect("init");
        assert!(inits.iter().all(|v| same_bits(v, &f64_data(1000, 11))));
        let d = sinks.describe_ret().await.expect("describe");
        for (label, got_ids, received, m) in d {
            assert_eq!(label, "arr");
            assert_eq!(got_ids, ids);
            assert!(received >= 2);
            assert_eq!(m, meta(3));
        }
        // A group built with a 1 MiB constructor argument.
        let big_sizes = Sizes {
            seed: 4,
            n_f64: MIB_F64,
            n_u8: 3,
        };
        let group = SinkProxy::new_group(f64_data(MIB_F64, 4), "grp".into(), &[0, 1, 2], big_sizes);
        let inits = group.init_ret().await.expect("init");
        assert_eq!(inits.len(), n);
        assert!(inits.iter().all(|v| same_bits(v, &f64_data(MIB_F64, 4))));

        // Async entries: bulk arguments in, Vec<f64> out, 1 MiB, p2p and broadcast.
        let asyncs = AsyncSinkProxy::new_array(2 * n);
        let input = f64_data(MIB_F64, 8);
        let want: Vec<f64> = input.iter().map(|x| x * 0.5).collect();
        let got = asyncs
            .elem(2 * n - 1)
            .scaled_later_ret(&input, 0.5, "async".into(), meta(8), u8_data(MIB_U8, 8))
            .await
            .expect("scaled_later");
        assert!(same_bits(&got, &want));
        let got = asyncs
            .scaled_later_ret(&input, 0.5, "async".into(), meta(8), u8_data(100, 8))
            .await
            .expect("scaled_later broadcast");
        assert_eq!(got.len(), 2 * n);
        assert!(got.iter().all(|g| same_bits(g, &want)));

        // A 1 MiB slice relayed element to element around the array, twice over.
        let done = Future::<(usize, bool)>::new();
        sinks
            .elem(0usize)
            .relay(&f64_data(MIB_F64, 77), 4 * n, 77, done);
        assert_eq!(done.await, (MIB_F64, true));
        ok("bulk_args");
    })
}
