//! The client against a local server: ranges, ignored ranges, redirects and tokens, retries,
//! timeouts, truncation, status mapping, per-host limits. Only 127.0.0.1.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use support::{Pattern, Server, pattern_byte};
use trustscan_remote::{ByteRange, Client, ClientConfig, Clock, FetchError};

/// Records sleeps instead of sleeping; the wall clock is pinned.
#[derive(Default)]
struct FakeClock {
    slept: Mutex<Vec<Duration>>,
}

const NOW: u64 = 1_800_000_000;

impl Clock for FakeClock {
    fn sleep(&self, d: Duration) {
        self.slept.lock().unwrap().push(d);
    }
    fn now_unix(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }
}

fn test_config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        call_timeout: Duration::from_secs(20),
        backoff_base: Duration::from_millis(100),
        backoff_max: Duration::from_secs(2),
        ..ClientConfig::default()
    }
}

fn client() -> (Client, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::default());
    (Client::with_clock(test_config(), clock.clone()), clock)
}

fn expected(start: u64, end: u64) -> Vec<u8> {
    (start..end).map(pattern_byte).collect()
}

#[test]
fn range_request_gets_exactly_the_span() {
    let srv = Server::start(|req, c| {
        c.serve(req, &Pattern(1_000_000), true, &[("ETag", "\"e1\"".into())])
    });
    let (cl, _) = client();
    let f = cl
        .get(
            &srv.url("/w.bin"),
            Some(ByteRange::Span {
                start: 1000,
                end: 1100,
            }),
            100,
        )
        .unwrap();
    assert_eq!(f.body, expected(1000, 1100));
    assert!(f.range_honoured);
    assert_eq!(f.total_len, Some(1_000_000));
    assert_eq!(f.etag.as_deref(), Some("\"e1\""));
    assert_eq!(cl.bytes_transferred(), 100);
    let reqs = srv.requests();
    assert_eq!(reqs[0].header("range"), Some("bytes=1000-1099"));
    assert_eq!(reqs[0].header("accept-encoding"), Some("identity"));

    // A suffix range gives the tail and, through Content-Range, the length.
    let f = cl
        .get(&srv.url("/w.bin"), Some(ByteRange::Suffix(10)), 10)
        .unwrap();
    assert_eq!(
        (f.start, f.body.clone()),
        (999_990, expected(999_990, 1_000_000))
    );
    assert_eq!(f.total_len, Some(1_000_000));
}

#[test]
fn ignored_range_on_100_mb_body_stops_reading_early() {
    const SIZE: u64 = 100 << 20;
    let srv = Server::start(|req, c| c.serve(req, &Pattern(SIZE), false, &[]));
    let (cl, _) = client();
    let f = cl
        .get(
            &srv.url("/big"),
            Some(ByteRange::Span {
                start: 0,
                end: 4096,
            }),
            4096,
        )
        .unwrap();
    assert!(!f.range_honoured);
    assert_eq!(f.body, expected(0, 4096));
    assert_eq!(f.total_len, Some(SIZE));
    assert_eq!(cl.bytes_transferred(), 4096);
    srv.wait_handled(1);
    let written = srv.body_bytes_written();
    // The server stops when its writes fail; socket buffers absorb a few MB at most, never 100 MB.
    eprintln!("ignored range: client kept 4096 bytes, server wrote {written} of {SIZE}");
    assert!(written < 16 << 20, "server wrote {written} bytes");

    // Wanted bytes a little way in: skipped within the budget, still correct.
    let f = cl
        .get(
            &srv.url("/big"),
            Some(ByteRange::Span {
                start: 300_000,
                end: 300_100,
            }),
            100,
        )
        .unwrap();
    assert_eq!(f.body, expected(300_000, 300_100));

    // Wanted bytes 50 MB in (or a tail): refused without reading the body.
    let before = cl.bytes_transferred();
    let e = cl
        .get(
            &srv.url("/big"),
            Some(ByteRange::Span {
                start: 50 << 20,
                end: (50 << 20) + 100,
            }),
            100,
        )
        .unwrap_err();
    assert!(matches!(e, FetchError::RangeIgnored { .. }), "{e}");
    let e = cl
        .get(&srv.url("/big"), Some(ByteRange::Suffix(65536)), 65536)
        .unwrap_err();
    assert!(matches!(e, FetchError::RangeIgnored { .. }), "{e}");
    assert_eq!(cl.bytes_transferred(), before);
    srv.wait_handled(4);
    eprintln!(
        "after four ignored-range requests the server wrote {} bytes",
        srv.body_bytes_written()
    );
    assert!(srv.body_bytes_written() < 64 << 20);
}

#[test]
fn redirect_to_other_host_keeps_range_and_drops_token() {
    let cdn = Server::start(|req, c| c.serve(req, &Pattern(10_000), true, &[]));
    let cdn_url = cdn.url("/blob?X-Amz-Signature=SIGSECRET");
    let hub = Server::start(move |req, c| {
        if req.path.starts_with("/org/m/resolve") {
            let hub = [
                ("Location", cdn_url.clone()),
                ("X-Repo-Commit", "0123abcd".to_string()),
                ("X-Linked-Etag", "\"sha256-of-blob\"".to_string()),
                ("X-Linked-Size", "10000".to_string()),
            ];
            c.respond(302, &hub, b"")
        } else {
            // Same-origin relative redirect first.
            c.respond(
                307,
                &[("Location", "/org/m/resolve/main/w.bin".into())],
                b"",
            )
        }
    });
    let (mut cl, _) = client();
    cl.set_token(&hub.origin(), "hf_TOKENSECRET").unwrap();
    let f = cl
        .get(
            &hub.url("/start"),
            Some(ByteRange::Span { start: 10, end: 20 }),
            10,
        )
        .unwrap();
    assert_eq!(f.body, expected(10, 20));
    assert!(!f.final_url.contains("SIGSECRET"), "{}", f.final_url);
    assert_eq!(f.hub.repo_commit.as_deref(), Some("0123abcd"));
    assert_eq!(f.hub.linked_etag.as_deref(), Some("\"sha256-of-blob\""));
    assert_eq!(f.hub.linked_size, Some(10_000));

    let hub_reqs = hub.requests();
    assert_eq!(hub_reqs.len(), 2);
    for r in &hub_reqs {
        assert_eq!(r.header("authorization"), Some("Bearer hf_TOKENSECRET"));
        assert_eq!(r.header("range"), Some("bytes=10-19"));
    }
    let cdn_reqs = cdn.requests();
    assert_eq!(cdn_reqs.len(), 1);
    assert_eq!(cdn_reqs[0].header("authorization"), None);
    assert_eq!(cdn_reqs[0].header("range"), Some("bytes=10-19"));
    assert!(cdn_reqs[0].path.contains("X-Amz-Signature=SIGSECRET"));
    assert!(!format!("{cl:?}").contains("TOKENSECRET"));

    // A token set for the CDN host is not sent to the hub either.
    let (mut cl2, _) = client();
    cl2.set_token(&cdn.origin(), "other").unwrap();
    cl2.get(&hub.url("/start"), None, 100_000).unwrap();
    assert!(
        hub.requests()
            .iter()
            .all(|r| r.header("authorization") != Some("Bearer other"))
    );
}

#[test]
fn redirect_loops_end() {
    let srv = Server::start(|_, c| c.respond(302, &[("Location", "/again".into())], b""));
    let (cl, _) = client();
    let e = cl.get(&srv.url("/again"), None, 10).unwrap_err();
    assert!(
        matches!(e, FetchError::TooManyRedirects { max: 8, .. }),
        "{e}"
    );
    assert_eq!(srv.requests().len(), 9);
}

#[test]
fn rate_limit_honours_retry_after() {
    let n = Arc::new(AtomicU32::new(0));
    let n2 = n.clone();
    let srv = Server::start(move |_, c| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => c.respond(429, &[("Retry-After", "7".into())], b"slow down"),
        1 => {
            let at = httpdate(NOW + 3);
            c.respond(503, &[("Retry-After", at)], b"")
        }
        _ => c.respond(200, &[], b"ok"),
    });
    let (cl, clock) = client();
    let f = cl.get(&srv.url("/x"), None, 100).unwrap();
    assert_eq!(f.body, b"ok");
    assert_eq!(
        *clock.slept.lock().unwrap(),
        vec![Duration::from_secs(7), Duration::from_secs(3)]
    );
    assert_eq!(n.load(Ordering::SeqCst), 3);
}

#[test]
fn long_retry_after_is_reported_not_slept() {
    let srv = Server::start(|_, c| c.respond(429, &[("Retry-After", "3600".into())], b""));
    let (cl, clock) = client();
    let e = cl.get(&srv.url("/x"), None, 100).unwrap_err();
    assert!(
        matches!(e, FetchError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)),
        "{e}"
    );
    assert!(e.to_string().contains("3600s"), "{e}");
    assert!(clock.slept.lock().unwrap().is_empty());
    assert_eq!(srv.requests().len(), 1);
}

#[test]
fn server_errors_are_retried_with_growing_jittered_backoff() {
    let n = Arc::new(AtomicU32::new(0));
    let n2 = n.clone();
    let srv = Server::start(move |_, c| {
        if n2.fetch_add(1, Ordering::SeqCst) < 2 {
            c.respond(500, &[], b"oops")
        } else {
            c.respond(200, &[], b"fine")
        }
    });
    let (cl, clock) = client();
    assert_eq!(cl.get(&srv.url("/x"), None, 100).unwrap().body, b"fine");
    let slept = clock.slept.lock().unwrap().clone();
    assert_eq!(slept.len(), 2);
    assert!(
        slept[0] >= Duration::from_millis(50) && slept[0] <= Duration::from_millis(100),
        "{slept:?}"
    );
    assert!(
        slept[1] >= Duration::from_millis(100) && slept[1] <= Duration::from_millis(200),
        "{slept:?}"
    );

    // Always failing: max_retries + 1 attempts, then the status.
    let srv = Server::start(|_, c| c.respond(502, &[], b""));
    let (cl, clock) = client();
    let e = cl.get(&srv.url("/x"), None, 100).unwrap_err();
    assert!(matches!(e, FetchError::Http { status: 502, .. }), "{e}");
    assert_eq!(srv.requests().len(), 5);
    assert_eq!(clock.slept.lock().unwrap().len(), 4);
}

#[test]
fn slow_server_times_out_without_retrying() {
    let srv = Server::start(|req, c| {
        if req.path == "/slow-head" {
            std::thread::sleep(Duration::from_secs(3));
            c.respond(200, &[], b"late")
        } else {
            c.head(200, &[("Content-Length", "100".into())])?;
            c.body(b"first part")?;
            std::thread::sleep(Duration::from_secs(3));
            c.body(&[0u8; 90])
        }
    });
    let cfg = ClientConfig {
        read_timeout: Duration::from_millis(300),
        ..test_config()
    };
    let cl = Client::with_clock(cfg, Arc::new(FakeClock::default()));
    for path in ["/slow-head", "/slow-body"] {
        let t = Instant::now();
        let e = cl.get(&srv.url(path), None, 1000).unwrap_err();
        assert!(matches!(e, FetchError::Timeout { .. }), "{path}: {e}");
        // Generous bound: the point is "not 3 s, not retried", not a benchmark.
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{path}: {:?}",
            t.elapsed()
        );
    }
    assert_eq!(srv.requests().len(), 2);
}

#[test]
fn truncated_bodies_are_detected() {
    let srv = Server::start(|req, c| match req.path.as_str() {
        "/short" => {
            c.head(200, &[("Content-Length", "1000".into())])?;
            c.body(&[7u8; 400])
        }
        "/short206" => {
            c.head(
                206,
                &[
                    ("Content-Length", "100".into()),
                    ("Content-Range", "bytes 0-99/5000".into()),
                ],
            )?;
            c.body(&[7u8; 40])
        }
        "/huge" => c.respond(
            206,
            &[("Content-Range", "bytes 0-18446744073709551615/*".into())],
            b"",
        ),
        _ => c.respond(
            206,
            &[("Content-Range", "bytes 0-99/1000".into())],
            &[1u8; 100],
        ),
    });
    let cfg = ClientConfig {
        max_retries: 1,
        ..test_config()
    };
    let cl = Client::with_clock(cfg, Arc::new(FakeClock::default()));
    let e = cl.get(&srv.url("/short"), None, 10_000).unwrap_err();
    assert!(
        matches!(e, FetchError::Truncated { received: 400, .. }),
        "{e}"
    );
    let e = cl
        .get(
            &srv.url("/short206"),
            Some(ByteRange::Span { start: 0, end: 100 }),
            100,
        )
        .unwrap_err();
    assert!(
        matches!(e, FetchError::Truncated { received: 40, .. }),
        "{e}"
    );
    // Truncation is transient: one retry each.
    assert_eq!(srv.requests().len(), 4);
    // A Content-Range whose length overflows u64 is refused, not a panic.
    let e = cl
        .get(
            &srv.url("/huge"),
            Some(ByteRange::Span {
                start: 0,
                end: u64::MAX,
            }),
            100,
        )
        .unwrap_err();
    assert!(matches!(e, FetchError::BadResponse { .. }), "{e}");
    // Empty ranges are the caller's mistake, reported before any request.
    let e = cl
        .get(
            &srv.url("/x"),
            Some(ByteRange::Span { start: 5, end: 5 }),
            100,
        )
        .unwrap_err();
    assert!(matches!(e, FetchError::EmptyRange { .. }), "{e}");
    // A 206 for other bytes than asked is refused, not spliced in.
    let e = cl
        .get(
            &srv.url("/wrong"),
            Some(ByteRange::Span {
                start: 100,
                end: 200,
            }),
            100,
        )
        .unwrap_err();
    assert!(matches!(e, FetchError::BadResponse { .. }), "{e}");
}

#[test]
fn statuses_map_to_clear_errors_without_secrets() {
    let srv = Server::start(|req, c| match req.path.split('?').next().unwrap() {
        "/missing" => c.respond(404, &[], b""),
        "/private" => c.respond(401, &[], b""),
        "/hf-missing" => c.respond(
            401,
            &[
                ("X-Error-Code", "RepoNotFound".into()),
                ("X-Error-Message", "Repository not found".into()),
            ],
            b"",
        ),
        "/gated" => c.respond(403, &[("X-Error-Code", "GatedRepo".into())], b""),
        "/forbidden" => c.respond(403, &[], b""),
        "/teapot" => c.respond(418, &[], b""),
        _ => c.respond(200, &[], &[0u8; 10_000]),
    });
    let (cl, _) = client();
    let get = |p: &str| cl.get(&srv.url(p), None, 1000).unwrap_err();
    let e = get("/missing?token=QSECRET");
    assert!(matches!(e, FetchError::NotFound { .. }), "{e}");
    assert!(!e.to_string().contains("QSECRET"), "{e}");
    assert!(e.to_string().contains("/missing"), "{e}");
    let e = get("/private");
    assert!(
        matches!(e, FetchError::Unauthorized { .. }) && e.to_string().contains("no token"),
        "{e}"
    );
    let e = get("/hf-missing");
    assert!(
        matches!(e, FetchError::NotFound { .. }) && e.to_string().contains("Repository not found"),
        "{e}"
    );
    assert!(matches!(get("/gated"), FetchError::Gated { .. }));
    assert!(matches!(get("/forbidden"), FetchError::Forbidden { .. }));
    assert!(matches!(
        get("/teapot"),
        FetchError::Http { status: 418, .. }
    ));
    // Over the caller's limit: refused from Content-Length, nothing read.
    assert!(matches!(
        get("/big"),
        FetchError::TooLarge { limit: 1000, .. }
    ));
    assert_eq!(cl.bytes_transferred(), 0);
    // None of these are retried.
    assert_eq!(srv.requests().len(), 7);
}

#[test]
fn per_host_concurrency_and_spacing() {
    let srv = Arc::new(Server::start(|_, c| {
        // Long enough that four threads overlap even on a loaded CI machine.
        std::thread::sleep(Duration::from_millis(600));
        c.respond(200, &[], b"x")
    }));
    for (limit, expect_max) in [(1usize, 1usize), (4, 4)] {
        let cfg = ClientConfig {
            per_host_concurrency: limit,
            ..test_config()
        };
        let cl = Arc::new(Client::with_clock(cfg, Arc::new(FakeClock::default())));
        let before = srv.requests().len();
        let started = srv.max_concurrent();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (cl, url) = (cl.clone(), srv.url("/x"));
                std::thread::spawn(move || cl.get(&url, None, 10).unwrap())
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(srv.requests().len(), before + 4);
        if limit == 1 {
            assert_eq!(srv.max_concurrent(), 1, "limit 1 let requests overlap");
        } else {
            // The same server does see overlap when the limit allows it: the probe works.
            assert!(
                srv.max_concurrent() > started.max(1),
                "limit {limit}: max {}",
                srv.max_concurrent()
            );
            assert!(srv.max_concurrent() <= expect_max);
        }
    }

    // Spacing: three back-to-back requests with a 10 s interval sleep ~10 s and ~20 s (a
    // server that answers at once: time spent waiting for an answer counts toward the gap).
    let srv = Server::start(|_, c| c.respond(200, &[], b"x"));
    let clock = Arc::new(FakeClock::default());
    let cfg = ClientConfig {
        per_host_interval: Duration::from_secs(10),
        ..test_config()
    };
    let cl = Client::with_clock(cfg, clock.clone());
    for _ in 0..3 {
        cl.get(&srv.url("/x"), None, 10).unwrap();
    }
    let slept = clock.slept.lock().unwrap().clone();
    assert_eq!(slept.len(), 2, "{slept:?}");
    assert!(
        slept[0] > Duration::from_secs(9) && slept[1] > Duration::from_secs(19),
        "{slept:?}"
    );
}

/// IMF-fixdate for a Unix time (test-side, written independently of the client's parser).
fn httpdate(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let (mut y, mut d) = (1970u64, days);
    loop {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let n = if leap { 366 } else { 365 };
        if d < n {
            break;
        }
        d -= n;
        y += 1;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let lens = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut m = 0;
    while d >= lens[m] {
        d -= lens[m];
        m += 1;
    }
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {:02} {} {y} {:02}:{:02}:{:02} GMT",
        d + 1,
        months[m],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[test]
fn close_delimited_bodies_respect_the_limit() {
    // No Content-Length: the body ends when the server closes; the limit must still hold.
    let srv = Server::start(|_, c| {
        c.head(200, &[])?;
        c.body(&[5u8; 5000])
    });
    let (cl, _) = client();
    let e = cl.get(&srv.url("/x"), None, 1000).unwrap_err();
    assert!(matches!(e, FetchError::TooLarge { limit: 1000, .. }), "{e}");
    assert!(cl.bytes_transferred() <= 1001, "{}", cl.bytes_transferred());
    let f = cl.get(&srv.url("/x"), None, 5000).unwrap();
    assert_eq!(f.body, vec![5u8; 5000]);
}

#[test]
fn range_past_the_end_is_416() {
    let srv = Server::start(|req, c| c.serve(req, &Pattern(100), true, &[]));
    let (cl, _) = client();
    let e = cl
        .get(
            &srv.url("/x"),
            Some(ByteRange::Span {
                start: 500,
                end: 600,
            }),
            100,
        )
        .unwrap_err();
    assert!(matches!(e, FetchError::RangeNotSatisfiable { .. }), "{e}");
}

#[test]
fn token_never_returns_after_leaving_its_origin() {
    // hub -> cdn -> back to hub: the second hub request must carry no token, since the cdn chose it.
    let hub_url = Arc::new(Mutex::new(String::new()));
    let h2 = hub_url.clone();
    let cdn = Server::start(move |_, c| {
        c.respond(
            302,
            &[("Location", format!("{}/back", h2.lock().unwrap()))],
            b"",
        )
    });
    let cdn_url = cdn.url("/hop");
    let hub = Server::start(move |req, c| {
        if req.path == "/back" {
            c.respond(200, &[], b"done")
        } else {
            c.respond(302, &[("Location", cdn_url.clone())], b"")
        }
    });
    *hub_url.lock().unwrap() = hub.origin();
    let (mut cl, _) = client();
    cl.set_token(&hub.origin(), "tok").unwrap();
    assert_eq!(cl.get(&hub.url("/start"), None, 100).unwrap().body, b"done");
    let auth: Vec<Option<String>> = hub
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(auth, vec![Some("Bearer tok".to_string()), None]);
    assert_eq!(cdn.requests()[0].header("authorization"), None);
}

#[test]
fn refused_connections_are_retried_then_reported() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (cl, clock) = client();
    let e = cl
        .get(&format!("http://127.0.0.1:{port}/x?token=QS"), None, 10)
        .unwrap_err();
    assert!(matches!(e, FetchError::Io { .. }), "{e}");
    assert!(!e.to_string().contains("QS"), "{e}");
    assert_eq!(clock.slept.lock().unwrap().len(), 4);
    assert_eq!(cl.requests_sent(), 5);
}
