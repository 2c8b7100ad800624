//! One file per protocol. Each plays one synchronous round on the network: it decides who calls
//! whom and what each datagram carries; `Network::send` applies loss, crashes and informing.

pub mod pull;
pub mod push;
pub mod push_pull;
