//! `#[cfg]` on entry methods removes them (and their stubs); doc comments are kept.
#![deny(warnings, missing_docs)]

use charm_rt::prelude::*;

/// A documented chare.
#[chare]
pub struct Documented {
    n: u32,
}

#[chare]
impl Documented {
    /// Builds one.
    ///
    /// With two paragraphs of docs.
    fn new(n: u32) -> Self {
        Documented { n }
    }

    /// Present everywhere.
    pub fn get(&self) -> u32 {
        self.n
    }

    /// Compiled out: no stub, no dispatch arm, no argument struct.
    #[cfg(any())]
    pub fn gone(&mut self, x: DoesNotExist) -> AlsoMissing {
        x
    }

    /// Compiled in (these programs are not built with `--test`).
    #[cfg(not(test))]
    pub fn kept(&mut self, x: u32) -> u32 {
        self.n += x;
        self.n
    }

    /// Only in test builds of this program, which are not made.
    #[cfg(test)]
    pub fn test_only(&mut self) {}

    #[doc = "A doc attribute written out."]
    #[inline]
    #[must_use]
    pub fn attrs(&self) -> u32 {
        self.n
    }
}

/// Uses the stubs.
pub async fn drive(d: DocumentedProxy) -> Result<(), CallError> {
    let _: Vec<u32> = d.get_ret().await?;
    let _: u32 = d.elem(0).kept_ret(1).await?;
    let _: Vec<u32> = d.attrs_ret().await?;
    Ok(())
}

fn main() {
    let _ = DocumentedProxy::new_group;
    let _ = drive;
}
