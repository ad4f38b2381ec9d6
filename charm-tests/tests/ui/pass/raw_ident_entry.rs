//! An entry method with a raw identifier for a name.
#![deny(warnings)]

use charm_rt::prelude::*;

#[chare]
pub struct Keywords;

#[chare]
impl Keywords {
    fn new() -> Self {
        Keywords
    }

    pub fn r#type(&self, r#in: u32) -> u32 {
        r#in
    }
}

async fn uses(k: KeywordsProxy) -> Result<(), CallError> {
    k.r#type(1);
    let _: Vec<u32> = k.type_ret(1).await?;
    k.elem(0).type_awaitable(2).await?;
    Ok(())
}

fn main() {
    let _ = KeywordsProxy::new_group;
    let _ = uses;
}
