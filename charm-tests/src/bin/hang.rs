//! Never finishes: main awaits a future nobody resolves. Used to check that the test harness
//! kills and fails a hung job.

fn main() {
    charm_rt::start(|_args| async move {
        println!("HANGING");
        charm_tests::forever().await;
    })
}
