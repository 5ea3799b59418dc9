//! Benchmark helper: the bare Argon2id verification rate with Appwrite's parameters on this
//! machine (one thread per core), the ceiling for password logins per second.
//! `cargo run --release -p oxwrite-core --example argon2_rate -- [seconds]`

use std::time::{Duration, Instant};

fn main() {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let hash = match oxwrite_core::password::hash_new("bench-password-123") {
        Ok(h) => h,
        Err(e) => {
            eprintln!("hashing failed: {e}");
            return;
        }
    };
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let h = hash.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if oxwrite_core::password::verify(&h, "bench-password-123") {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    let rate = total as f64 / start.elapsed().as_secs_f64();
    println!("argon2id verify: {total} in {:.1}s on {threads} threads = {rate:.1}/s", start.elapsed().as_secs_f64());
}
