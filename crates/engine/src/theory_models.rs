//! The models of theory.md sections 5 and 9 for plain gossip with one feature beyond the flat,
//! synchronous mean field: datagram delays (the lagged recurrence), asynchronous periods (the
//! Poisson clock), racks (the per-rack mean field) and a crash schedule (the live fraction).
//! Each gives the expected informed fraction of the live nodes after each round (period), from
//! round 0, in the finite-N form of `theory::mean_field_curve`, until fewer than half a live
//! node is expected uninformed or `max_points` are produced.

use super::config::Config;
use super::failures::Delay;
use super::report::TICKS_PER_ROUND;
use super::spec::Law;
use super::theory::MAX_ITERATIONS;

/// A curve and whether it reached s * L < 1/2.
pub struct Curve {
    pub points: Vec<f64>,
    pub done: bool,
}

impl Curve {
    /// The first round (period) where fewer than half a live node is expected uninformed.
    pub fn rounds(&self) -> Option<u32> {
        self.done.then(|| self.points.len() as u32 - 1)
    }
}

/// Pushes one point; whether to go on (below the point cap).
fn push(points: &mut Vec<f64>, value: f64, max_points: usize) -> bool {
    points.push(value);
    points.len() < max_points
}

// --- A crash schedule ---

/// theory.md section 9: at the start of each scheduled round, round(F N) of the live non-senders
/// crash, uniformly, so the informed non-senders lose the same share as the uninformed ones; the
/// recurrence goes on with the live count, crashed callees absorbing calls (section 2). The
/// curve is the informed fraction of the nodes live at that round.
pub fn crash_schedule_curve(config: &Config, law: Law, max_points: usize) -> Curve {
    let others = f64::from(config.nodes - 1);
    let fanout = f64::from(config.fanout);
    let q = 1.0 - config.mean_loss();
    let senders = f64::from(config.senders);
    let mut live = f64::from(config.live_count());
    let mut informed = senders;
    let mut points = Vec::new();
    let mut round = 0u32;
    loop {
        if !push(&mut points, informed / live, max_points) {
            return Curve {
                points,
                done: false,
            };
        }
        if (live - informed) < 0.5 {
            return Curve { points, done: true };
        }
        if round >= MAX_ITERATIONS {
            return Curve {
                points,
                done: false,
            };
        }
        round += 1;
        for entry in config
            .crash_at
            .entries()
            .iter()
            .filter(|e| e.round == round)
        {
            // Whole nodes, at most the live non-senders (as `failures::choose_victims`).
            let victims = f64::from(entry.count(config.nodes)).min((live - senders).round());
            if live > senders {
                informed -= victims * (informed - senders) / (live - senders);
            }
            live -= victims;
        }
        let uninformed = live - informed;
        let escape = escape(law, fanout, q, informed, others);
        informed = live - uninformed * escape;
    }
}

/// A node's chance to stay uninformed through one synchronous round with `informed` live
/// informed nodes among its N - 1 possible callees (theory.md section 2, finite N).
fn escape(law: Law, fanout: f64, q: f64, informed: f64, others: f64) -> f64 {
    let mut escape = 1.0;
    if law.push {
        escape *= (fanout * informed * (-q / others).ln_1p()).exp();
    }
    if law.pull {
        let share = (informed / others).min(1.0);
        escape *= (fanout * (-q * q * share).ln_1p()).exp();
    }
    escape
}

// --- Racks ---

/// theory.md section 5, per rack: node i sits in rack i R / N; a caller in rack i calls outside
/// its rack with probability o_i (`cross`, or 1 / n_i), uniformly over the N - n_i nodes there,
/// and otherwise uniformly over the n_i - 1 others of its rack. Per rack j, an uninformed node
/// escapes each informed caller's push with probability 1 - q p_(i->j) (p the chance that call
/// picks it) and each of its own pulls with 1 - q^2 (share of informed nodes among its picks).
/// The racks' informed counts sum to the live fraction.
pub fn racks_curve(config: &Config, law: Law, max_points: usize) -> Curve {
    let nodes = config.nodes;
    let racks = config.racks.min(nodes);
    let n = f64::from(nodes);
    let fanout = f64::from(config.fanout);
    let q = 1.0 - config.mean_loss();
    let start = |rack: u32| (u64::from(rack) * u64::from(nodes)).div_ceil(u64::from(racks)) as u32;
    // Crashed nodes: a uniform share of the non-senders, rack by rack (in expectation).
    let crashed_share = f64::from(config.crashed_count()) / f64::from(nodes - config.senders);
    let mut size = Vec::new();
    let mut live = Vec::new();
    let mut informed = Vec::new();
    let mut outside = Vec::new();
    for rack in 0..racks {
        let (first, end) = (start(rack), start(rack + 1));
        let senders = f64::from(config.senders.clamp(first, end) - first);
        let count = f64::from(end - first);
        size.push(count);
        live.push(senders + (count - senders) * (1.0 - crashed_share));
        informed.push(senders);
        // As `Racks::peer`: a rack of one always calls outside.
        let chance = config.cross.unwrap_or(1.0 / count);
        outside.push(if count <= 1.0 {
            1.0
        } else {
            chance.clamp(0.0, 1.0)
        });
    }
    let total_live: f64 = live.iter().sum();
    let mut points = Vec::new();
    for _ in 0..=MAX_ITERATIONS {
        let known: f64 = informed.iter().sum();
        if !push(&mut points, known / total_live, max_points) {
            return Curve {
                points,
                done: false,
            };
        }
        if total_live - known < 0.5 {
            return Curve { points, done: true };
        }
        let next: Vec<f64> = (0..racks as usize)
            .map(|j| {
                // The chance one call from rack i picks a given node of rack j.
                let pick = |i: usize| {
                    if i == j {
                        if size[j] > 1.0 {
                            (1.0 - outside[j]) / (size[j] - 1.0)
                        } else {
                            0.0
                        }
                    } else {
                        outside[i] / (n - size[i])
                    }
                };
                let mut log_escape = 0.0;
                if law.push {
                    for (i, &count) in informed.iter().enumerate() {
                        log_escape += fanout * count * (-q * pick(i)).ln_1p();
                    }
                }
                if law.pull {
                    // A caller of rack j reaches an informed node with chance sum_i I_i p(j->i).
                    let share: f64 = (0..racks as usize)
                        .map(|i| {
                            let to = if i == j {
                                if size[j] > 1.0 {
                                    (1.0 - outside[j]) / (size[j] - 1.0)
                                } else {
                                    0.0
                                }
                            } else {
                                outside[j] / (n - size[j])
                            };
                            informed[i] * to
                        })
                        .sum();
                    log_escape += fanout * (-q * q * share.min(1.0)).ln_1p();
                }
                live[j] - (live[j] - informed[j]) * log_escape.exp()
            })
            .collect();
        informed = next;
    }
    Curve {
        points,
        done: false,
    }
}

// --- Asynchronous periods ---

/// theory.md section 9: with Poisson clocks of rate 1 per period, k of N informed, push informs
/// at rate b q k (N - k) / (N - 1) and push-pull at b (q + q^2) k (N - k) / (N - 1) (as
/// `theory::asynchronous_periods`): the logistic ODE dx/dt = r x (1 - x) N / (N - 1), whose
/// solution x(t) = 1 / (1 + (1 / x0 - 1) e^(-r N t / (N - 1))) is sampled once a period. Pull has
/// no asynchronous figure (`None`).
pub fn asynchronous_curve(config: &Config, law: Law, max_points: usize) -> Option<Curve> {
    let q = 1.0 - config.mean_loss();
    let b = f64::from(config.fanout);
    let rate = match (law.push, law.pull) {
        (true, false) => b * q,
        (true, true) => b * (q + q * q),
        _ => return None,
    };
    let live = f64::from(config.live_count());
    let n = f64::from(config.nodes);
    // Crashed callees absorb calls: the rate scales with the live share of the callees.
    let rate = rate * (live - 1.0) / (n - 1.0) * live / (live - 1.0).max(1.0);
    let x0 = f64::from(config.senders) / live;
    let mut points = Vec::new();
    for period in 0..=MAX_ITERATIONS {
        let x = if x0 >= 1.0 {
            1.0
        } else {
            1.0 / (1.0 + (1.0 / x0 - 1.0) * (-rate * f64::from(period)).exp())
        };
        if !push(&mut points, x, max_points) {
            return Some(Curve {
                points,
                done: false,
            });
        }
        if (1.0 - x) * live < 0.5 {
            return Some(Curve { points, done: true });
        }
        if rate <= 0.0 {
            break;
        }
    }
    Some(Curve {
        points,
        done: false,
    })
}

// --- Delay ---

/// The delay of one datagram in ticks, as `Delay::draw` makes it: its probabilities from 0 up,
/// the exponential's tail cut where what is left is below 1e-12.
pub fn delay_ticks(delay: Delay) -> Vec<f64> {
    let ticks = |rounds: f64| (rounds * TICKS_PER_ROUND as f64).round() as usize;
    match delay {
        Delay::None => vec![1.0],
        Delay::Fixed(d) => {
            let mut pmf = vec![0.0; ticks(d) + 1];
            pmf[ticks(d)] = 1.0;
            pmf
        }
        Delay::Uniform(a, b) => {
            let (low, high) = (ticks(a), ticks(b));
            let mut pmf = vec![0.0; high + 1];
            let share = 1.0 / (high - low + 1) as f64;
            for p in &mut pmf[low..=high] {
                *p = share;
            }
            pmf
        }
        // round(-mean T ln U), U uniform on (0, 1]: tick n for -mean T ln U in [n - 1/2, n + 1/2).
        Delay::Exp(mean) => {
            let scale = mean * TICKS_PER_ROUND as f64;
            let survive = |x: f64| (-x.max(0.0) / scale).exp();
            let mut pmf = Vec::new();
            let mut n = 0usize;
            while survive(n as f64 - 0.5) > 1e-12 {
                pmf.push(survive(n as f64 - 0.5) - survive(n as f64 + 0.5));
                n += 1;
            }
            pmf
        }
    }
}

/// theory.md section 9, the lagged recurrence for push, exact in the driver's timing: calls go
/// out at round starts t_s = (s - 1) T (T ticks a round) from the nodes informed by then; a push
/// sent in round s with delay D ticks counts in the round it lands in, s + floor(D / T), and its
/// callee calls from round s + L, the first round starting at or after the arrival (a datagram
/// landing on a round's first tick is delivered before that round's calls; one with D = 0 is
/// fresh until the next round), so L = max(1, ceil(D / T)) whole rounds: P(L = k) comes from the
/// tick distribution. A node is uninformed at a tick if every push that landed by then missed it:
/// log s = sum_s b I_s ln(1 - q P(D <= tick - t_s) / (N - 1)), I_s = the informed live nodes
/// calling in round s. Pull and push-pull: `pull_delay_curve`.
pub fn delay_curve(config: &Config, law: Law, max_points: usize) -> Option<Curve> {
    if law.pull {
        return Some(pull_delay_curve(config, law, max_points));
    }
    let pmf = delay_ticks(config.delay);
    let mut cdf = Vec::with_capacity(pmf.len());
    let mut sum = 0.0;
    for p in &pmf {
        sum += p;
        cdf.push(sum);
    }
    let at_most = |ticks: i64| -> f64 {
        if ticks < 0 {
            0.0
        } else {
            cdf.get(ticks as usize).copied().unwrap_or(1.0)
        }
    };
    let t = TICKS_PER_ROUND as i64;
    let live = f64::from(config.live_count());
    let others = f64::from(config.nodes - 1);
    let fanout = f64::from(config.fanout);
    let q_per_callee = (1.0 - config.mean_loss()) / others;
    let push_weight = fanout * (-q_per_callee).ln_1p();
    let fully_landed = cdf.len() as i64 / t + 2;
    let x0 = f64::from(config.senders) / live;
    // callers[s - 1]: informed live nodes calling in round s (known by its first tick).
    let mut callers: Vec<f64> = vec![x0 * live];
    // The log-escape of rounds whose pushes have all landed, kept as one sum.
    let mut settled = 0.0;
    let mut first_open = 1usize;
    let mut points = vec![x0];
    // log s by a tick: the settled rounds plus the open ones' landed share.
    let log_uninformed = |callers: &[f64], first_open: usize, settled: f64, tick: i64| -> f64 {
        let mut log = settled + (1.0 - x0).ln();
        for (index, &count) in callers.iter().enumerate().skip(first_open - 1) {
            let sent = index as i64 * t;
            log += count * fanout * (-q_per_callee * at_most(tick - sent)).ln_1p();
        }
        log
    };
    for round in 1..=MAX_ITERATIONS as usize {
        // Counted after step `round`: landed before the next round's first tick.
        let counted =
            1.0 - log_uninformed(&callers, first_open, settled, round as i64 * t - 1).exp();
        if points.len() >= max_points {
            return Some(Curve {
                points,
                done: false,
            });
        }
        points.push(counted);
        if (1.0 - counted) * live < 0.5 {
            return Some(Curve { points, done: true });
        }
        // Calling in round + 1: landed by its first tick.
        let usable = 1.0 - log_uninformed(&callers, first_open, settled, round as i64 * t).exp();
        callers.push(usable * live);
        while (round as i64 + 1 - first_open as i64) > fully_landed {
            settled += callers[first_open - 1] * push_weight;
            first_open += 1;
        }
    }
    Some(Curve {
        points,
        done: false,
    })
}

/// How the driver spreads one datagram's delay over the ticks (`Delay::draw`), in the form that
/// follows the replies in flight of one round's calls in O(1) a tick: fixed and uniform delays
/// are a box, equal chances on the ticks `low..=high`; the exponential rounded to the tick is an
/// atom at 0 and a geometric tail, P(0) = 1 - e^(-1/(2m)) and P(n) = P(1) r^(n - 1) with
/// r = e^(-1/m) (m the mean in ticks; the same chances as `delay_ticks`).
#[derive(Clone, Copy)]
enum Shape {
    Box { low: usize, high: usize },
    Geometric { zero: f64, one: f64, ratio: f64 },
}

impl Shape {
    fn of(delay: Delay) -> Shape {
        let ticks = |rounds: f64| (rounds * TICKS_PER_ROUND as f64).round() as usize;
        match delay {
            Delay::None => Shape::Box { low: 0, high: 0 },
            Delay::Fixed(d) => Shape::Box {
                low: ticks(d),
                high: ticks(d),
            },
            Delay::Uniform(a, b) => Shape::Box {
                low: ticks(a),
                high: ticks(b),
            },
            Delay::Exp(mean) => {
                let m = mean * TICKS_PER_ROUND as f64;
                let survive = |x: f64| (-x / m).exp();
                Shape::Geometric {
                    zero: 1.0 - survive(0.5),
                    one: survive(0.5) - survive(1.5),
                    ratio: survive(1.0),
                }
            }
        }
    }
}

/// One round's calls in the lagged recurrence for pull: what a caller's b calls of that round
/// have done by the current tick.
struct Calls {
    /// Push-pull: the informed live callers of the round, who push (0 for pull).
    pushers: f64,
    /// The chance that one call's reply with the rumor has landed: request delivered (q), the
    /// callee informed when it landed, reply delivered (q) and landed.
    landed: f64,
    /// Geometric delays: the replies with the rumor in flight, weighted to land at the next tick.
    tail: f64,
    /// Box delays: the replies with the rumor sent at request offsets `low..`, cumulated.
    sent: Vec<f64>,
}

/// What every round's calls share: the delay (its chances per tick and its shape), the delivery
/// chance q and whether uninformed callers pull.
struct Lag {
    pmf: Vec<f64>,
    shape: Shape,
    q: f64,
    pull: bool,
    /// ln(1 - q P(D <= k) / (N - 1)): one push's log-escape k ticks after it was sent.
    push_log: Vec<f64>,
}

impl Calls {
    /// The round's calls `offset` ticks after its start, where a request landing now finds an
    /// informed callee with chance `seen`: the requests and replies landing at this tick, and
    /// the round's factor in an uninformed node's escape, (1 - landed)^b (pull's part, taken to
    /// the power b by the caller) and its pushes' log-escape (per push of each pusher).
    fn advance(&mut self, lag: &Lag, offset: usize, seen: f64) -> (f64, f64) {
        let push = self.pushers * lag.push_log[offset.min(lag.push_log.len() - 1)];
        if !lag.pull {
            return (1.0, push);
        }
        // Requests landing now, answered with the rumor (delivered, callee informed).
        let answered = lag.q * lag.pmf.get(offset).copied().unwrap_or(0.0) * seen;
        let replies = match lag.shape {
            Shape::Box { low, high } => {
                if offset < low {
                    0.0
                } else {
                    if offset <= high {
                        let before = self.sent.last().copied().unwrap_or(0.0);
                        self.sent.push(before + answered);
                    }
                    // Landing now: the replies sent at request offsets offset - high ..=
                    // offset - low, each with chance 1 / (high - low + 1).
                    let first = offset.saturating_sub(high).max(low);
                    let last = (offset - low).min(high);
                    if first > last {
                        0.0
                    } else {
                        let upto = |at: usize| self.sent[at - low];
                        let below = if first > low { upto(first - 1) } else { 0.0 };
                        (upto(last) - below) / (high - low + 1) as f64
                    }
                }
            }
            Shape::Geometric { zero, one, ratio } => {
                let landing = zero * answered + self.tail;
                self.tail = ratio * self.tail + one * answered;
                landing
            }
        };
        self.landed += lag.q * replies;
        (1.0 - self.landed.min(1.0), push)
    }
}

/// The most round-ticks the lagged recurrence for pull plays (a tick of each open round is a
/// few multiplications): about a quarter of a second natively. Beyond it, as under loss near 1 with a long
/// delay, the curve stops there, not done.
pub const PULL_DELAY_WORK: u64 = 20_000_000;

/// theory.md section 9, the lagged recurrence for pull and push-pull, exact in the event
/// driver's timing, at tick resolution (a delay is any whole number of ticks, so a request can
/// land on any tick and find the callee informed or not by then: no coarser grid is exact).
/// Every live node calls b peers at each round start t_s = (s - 1) T. A request lands D1 ticks
/// later (lost with p; a crashed callee absorbs it) and is answered with what the callee knew
/// before that tick (`Net::knew`: a node informed at a tick is fresh until the next one), except
/// that a request with D1 = 0 lands inside the round's calls, after the arrivals at the round's
/// first tick were made known: it finds the nodes informed by the earlier rounds' datagrams
/// landed by t_s. The reply lands D2 later (lost with p), and the caller counts as informed at
/// that tick and calls with the rumor from the first round starting at or after it (a reply
/// landing on a round's first tick, before its calls, counts in that round). Push-pull: the
/// nodes informed by t_s push instead of pulling, as in `delay_curve`. Mean field: an
/// uninformed node v is still uninformed at tick u if none of its calls has returned the rumor
/// by u and no push has reached it, each call independent:
/// ln s(u) = ln s(0) + sum_s [b ln(1 - C_s(u)) + b I_s ln(1 - q P(D <= u - t_s) / (N - 1))],
/// C_s(u) = q^2 sum_d1 P(d1) a_s(t_s + d1) P(D2 <= u - t_s - d1), where a is the informed live
/// share of the N - 1 possible callees as the request finds it and I_s the pushers of round s.
/// A round is settled (its factor fixed) once all its datagrams have landed, 2 (L - 1) ticks
/// after its start (L the length of `delay_ticks`). The curve is the informed fraction counted
/// after each round (landed before the next round's first tick), as `delay_curve`.
pub fn pull_delay_curve(config: &Config, law: Law, max_points: usize) -> Curve {
    let pmf = delay_ticks(config.delay);
    let t = TICKS_PER_ROUND as usize;
    let live = f64::from(config.live_count());
    let others = f64::from(config.nodes - 1);
    let fanout = f64::from(config.fanout);
    let q = 1.0 - config.mean_loss();
    let x0 = f64::from(config.senders) / live;
    let mut push_log = Vec::with_capacity(pmf.len());
    let mut cdf = 0.0;
    for p in &pmf {
        cdf += p;
        push_log.push((-q * cdf.min(1.0) / others).ln_1p());
    }
    let horizon = 2 * (pmf.len() - 1);
    let lag = Lag {
        pmf,
        shape: Shape::of(config.delay),
        q,
        pull: law.pull,
        push_log,
    };
    let mut points = vec![x0];
    if (1.0 - x0) * live < 0.5 {
        return Curve { points, done: true };
    }
    if q <= 0.0 {
        // Nothing is ever delivered: the senders alone, for ever.
        points.resize(max_points.min(MAX_ITERATIONS as usize + 1).max(1), x0);
        return Curve {
            points,
            done: false,
        };
    }
    let share = |log: f64| ((1.0 - log.exp()) * live / others).min(1.0);
    let start = (1.0 - x0).ln();
    // The log-escape of the rounds whose datagrams have all landed.
    let mut settled = 0.0;
    let mut open: std::collections::VecDeque<Calls> = std::collections::VecDeque::new();
    // The round of `open[0]` (rounds from 1).
    let mut first_open = 1usize;
    // The informed share as a request landing at this tick finds it: informed before it.
    let mut seen = share(start);
    let mut work = 0u64;
    let mut tick = 0usize;
    loop {
        // The rounds already calling: their requests and replies landing at this tick.
        let mut product = 1.0;
        let mut push = 0.0;
        for (index, calls) in open.iter_mut().enumerate() {
            let offset = tick - (first_open - 1 + index) * t;
            let (factor, pushes) = calls.advance(&lag, offset, seen);
            product *= factor;
            push += pushes;
        }
        work += open.len() as u64 + 1;
        let mut log = start + settled + fanout * (product.ln() + push);
        if tick.is_multiple_of(t) {
            // A round starts: its callers know what landed by now from the earlier rounds.
            let round = tick / t + 1;
            if round > MAX_ITERATIONS as usize {
                return Curve {
                    points,
                    done: false,
                };
            }
            let usable = share(log);
            let mut calls = Calls {
                pushers: if law.push {
                    (1.0 - log.exp()) * live
                } else {
                    0.0
                },
                landed: 0.0,
                tail: 0.0,
                sent: Vec::new(),
            };
            let (factor, pushes) = calls.advance(&lag, 0, usable);
            log += fanout * (factor.ln() + pushes);
            open.push_back(calls);
        }
        if (tick + 1).is_multiple_of(t) {
            // Counted after this round: landed before the next round's first tick.
            let counted = 1.0 - log.exp();
            if points.len() >= max_points || work > PULL_DELAY_WORK {
                return Curve {
                    points,
                    done: false,
                };
            }
            points.push(counted);
            if (1.0 - counted) * live < 0.5 {
                return Curve { points, done: true };
            }
        }
        // Rounds whose datagrams have all landed keep their factor from now on.
        while open
            .front()
            .is_some_and(|_| tick >= (first_open - 1) * t + horizon)
        {
            let calls = open.pop_front().expect("an open round");
            let pushes = calls.pushers * lag.push_log[lag.push_log.len() - 1];
            settled += fanout * ((1.0 - calls.landed.min(1.0)).ln() + pushes);
            first_open += 1;
        }
        seen = share(log);
        tick += 1;
    }
}
