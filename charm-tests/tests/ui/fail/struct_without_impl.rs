use charm_rt::chare;

#[chare]
pub struct Lonely;

fn main() {
    let _ = LonelyProxy::new_group();
}
