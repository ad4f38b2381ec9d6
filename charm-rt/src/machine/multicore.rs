//! The multicore layer: every PE is a thread of one process; envelopes move through lock-free
//! channels with no encoding at all.

use super::{Doorbell, Endpoint};
use crate::message::Envelope;
use crossbeam_channel::{unbounded, Receiver, Sender};
use std::sync::Arc;

/// One PE's end of the multicore layer.
pub struct MulticoreEndpoint {
    pe: usize,
    inbox: Receiver<(usize, Envelope)>,
    peers: Arc<[Peer]>,
}

struct Peer {
    /// Envelopes with their sender's PE.
    tx: Sender<(usize, Envelope)>,
    doorbell: Arc<Doorbell>,
}

/// Creates the endpoints of an `n`-PE job, one per PE.
pub fn endpoints(n: usize) -> Vec<MulticoreEndpoint> {
    let (peers, inboxes): (Vec<Peer>, Vec<Receiver<(usize, Envelope)>>) = (0..n)
        .map(|_| {
            let (tx, rx) = unbounded();
            (
                Peer {
                    tx,
                    doorbell: Arc::new(Doorbell::default()),
                },
                rx,
            )
        })
        .unzip();
    let peers: Arc<[Peer]> = peers.into();
    inboxes
        .into_iter()
        .enumerate()
        .map(|(pe, inbox)| MulticoreEndpoint {
            pe,
            inbox,
            peers: peers.clone(),
        })
        .collect()
}

impl Endpoint for MulticoreEndpoint {
    fn layer_name(&self) -> &'static str {
        "multicore"
    }

    fn my_pe(&self) -> usize {
        self.pe
    }

    fn num_pes(&self) -> usize {
        self.peers.len()
    }

    #[inline]
    fn send(&self, to: usize, env: Envelope) {
        let peer = &self.peers[to];
        // The receiver lives as long as the job; a failed send means it already exited.
        let _ = peer.tx.send((self.pe, env));
        peer.doorbell.ring();
    }

    #[inline]
    fn try_recv(&self) -> Option<(usize, Envelope)> {
        self.inbox.try_recv().ok()
    }

    fn has_incoming(&self) -> bool {
        !self.inbox.is_empty()
    }

    fn doorbell(&self) -> &Arc<Doorbell> {
        &self.peers[self.pe].doorbell
    }
}
