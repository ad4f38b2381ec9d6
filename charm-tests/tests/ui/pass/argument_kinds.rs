//! Every kind of argument and return type an entry method can take.
#![deny(warnings)]

use charm_rt::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Particle {
    pub pos: [f64; 3],
    pub vel: Vec<f64>,
    pub tag: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Fast,
    Careful { retries: u8 },
}

#[chare]
pub struct Sink {
    seen: usize,
}

#[chare]
impl Sink {
    fn new(seen: usize, label: String, weights: Vec<f64>, raw: &[u8], mode: Mode) -> Self {
        let _ = (label, weights, raw, mode);
        Sink { seen }
    }

    /// No arguments, no return value.
    pub fn ping(&mut self) {
        self.seen += 1;
    }

    /// Explicit unit return.
    #[allow(clippy::unused_unit)]
    pub fn ping_unit(&mut self) -> () {
        self.seen += 1;
    }

    /// Plain numbers and serde types.
    pub fn scalars(&mut self, a: u8, b: i64, c: f32, d: bool, e: char, f: String) -> usize {
        let _ = (a, b, c, d, e, f);
        self.seen
    }

    /// Bulk vectors and slices of every plain number type.
    #[allow(clippy::too_many_arguments)]
    pub fn bulk(
        &mut self,
        a: Vec<f64>,
        b: &[u8],
        c: &[i8],
        d: &[u16],
        e: &[i16],
        f: &[u32],
        g: &[i32],
        h: &[u64],
        i: &[i64],
        j: &[u128],
        k: &[i128],
        l: &[usize],
        m: &[isize],
        n: &[f32],
        o: &[f64],
        p: std::vec::Vec<u32>,
    ) -> Vec<f64> {
        let _ = (b, c, d, e, f, g, h, i, j, k, l, m, n, o, p);
        a
    }

    /// User structs and enums deriving serde, and containers of them.
    #[allow(clippy::too_many_arguments)]
    pub fn particles(
        &mut self,
        one: Particle,
        many: Vec<Particle>,
        by_name: HashMap<String, Particle>,
        sorted: BTreeMap<u32, Vec<String>>,
        mode: Mode,
        pair: (u32, String),
        arr: [u16; 4],
        opt: Option<Box<Particle>>,
    ) -> Particle {
        let _ = (many, by_name, sorted, mode, pair, arr, opt);
        one
    }

    /// Returns a serde value.
    pub fn mode(&self) -> Mode {
        Mode::Careful { retries: 2 }
    }

    /// Returns a `Result` (a serde value too).
    pub fn checked(&self, x: u32) -> Result<u32, String> {
        x.checked_mul(2).ok_or_else(|| "overflow".to_string())
    }

    /// `mut` bindings and `_`-prefixed names are plain names.
    pub fn rebind(&mut self, mut x: u32, _unused: String) -> u32 {
        x += 1;
        x
    }

    /// A proxy travels in a message.
    pub fn proxies(&mut self, to: SinkProxy, one: SinkElemProxy) {
        to.ping();
        one.ping();
    }

    /// Arguments whose names clash with the extra parameters of the creation functions.
    pub fn names(&mut self, shape: u32, on_pe: u32, entry: u32, body: u32, cx: u32, this: u32) {
        let _ = (shape, on_pe, entry, body, cx, this);
    }

    pub(crate) fn crate_visible(&mut self) {}

    /// Private helpers are not entry methods and may take anything.
    #[allow(dead_code)]
    fn helper<T>(&mut self, _t: &T, _s: &str) {}

    /// Public associated functions without a receiver are not entry methods either.
    pub fn make_label(n: u32) -> String {
        format!("sink-{n}")
    }
}

/// A constructor that takes the parameter names the creation functions use.
#[chare]
pub struct Shaped;

#[chare]
impl Shaped {
    fn new(shape: usize, on_pe: usize) -> Self {
        let _ = (shape, on_pe);
        Shaped
    }
}

async fn drive(s: SinkProxy) -> Result<(), CallError> {
    s.ping();
    s.ping_awaitable().await?;
    s.ping_unit_awaitable().await?;
    let _: Vec<usize> = s
        .scalars_ret(1, -2, 3.0, true, 'x', "s".to_string())
        .await?;
    let e = s.elem(0);
    let v: Vec<f64> = e
        .bulk_ret(
            vec![1.0],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1],
            &[1.0],
            &[1.0],
            vec![1],
        )
        .await?;
    let p = Particle {
        pos: [0.0; 3],
        vel: v,
        tag: None,
    };
    let _: Particle = e
        .particles_ret(
            p.clone(),
            vec![p.clone()],
            HashMap::new(),
            BTreeMap::new(),
            Mode::Fast,
            (1, String::new()),
            [0; 4],
            Some(Box::new(p)),
        )
        .await?;
    let _: Mode = e.mode_ret().await?;
    let _: Result<u32, String> = e.checked_ret(2).await?;
    let _: u32 = e.rebind_ret(1, String::new()).await?;
    e.proxies(s, e);
    e.names(1, 2, 3, 4, 5, 6);
    e.crate_visible();
    let _ = Sink::make_label(1);
    let _ = ShapedProxy::new_array(4, 1, 2);
    let _ = ShapedProxy::new_chare(Some(0), 1, 2);
    Ok(())
}

fn main() {
    let _ = SinkProxy::new_group;
    let _ = SinkProxy::new_chare;
    let _ = drive;
}
