//! Storage over HTTP: chunked uploads out of order and sent twice, downloads with ranges,
//! compressed and encrypted files across a restart, limits, and resource tokens. (The
//! official SDKs drive the same paths in compat/.)
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use md5::Digest;
use oxwrite_testkit::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const CHUNK: usize = 5 * 1024 * 1024;

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + usize::from(seed)) % 251) as u8).collect()
}

/// One upload request as the SDKs send it: `fileId`, the `file` part, then `permissions[]`.
async fn upload(s: &TestServer, bucket: &str, id: &str, name: &str, bytes: &[u8], range: Option<(usize, usize, usize)>, upload_id: bool) -> (u16, Value) {
    let mut body = Vec::new();
    let mut text = |k: &str, v: &str| body.extend_from_slice(format!("--B0undary\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    text("fileId", id);
    body.extend_from_slice(format!("--B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B0undary\r\nContent-Disposition: form-data; name=\"permissions[]\"\r\n\r\nread(\"any\")\r\n--B0undary--\r\n");
    let mut req = reqwest::Client::new()
        .post(format!("{}/storage/buckets/{bucket}/files", s.endpoint))
        .header("X-Appwrite-Project", &s.project)
        .header("X-Appwrite-Key", &s.key)
        .header("content-type", "multipart/form-data; boundary=B0undary");
    if let Some((start, end, total)) = range {
        req = req.header("content-range", format!("bytes {start}-{end}/{total}"));
        if upload_id {
            req = req.header("x-appwrite-id", id);
        }
    }
    let res = req.body(body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn get(s: &TestServer, path: &str, key: bool, range: Option<&str>) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", s.endpoint)).header("X-Appwrite-Project", &s.project);
    if key {
        req = req.header("X-Appwrite-Key", &s.key);
    }
    if let Some(r) = range {
        req = req.header("range", r);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.headers().clone(), res.bytes().await.unwrap().to_vec())
}

async fn bucket(s: &TestServer, id: &str, settings: Value) {
    let mut body = json!({"bucketId": id, "name": id});
    body.as_object_mut().unwrap().extend(settings.as_object().unwrap().clone());
    let (status, b) = s.with_key(Method::POST, "/storage/buckets", body).await.unwrap();
    assert_eq!(status, 201, "{b}");
}

#[tokio::test]
async fn chunks_out_of_order_and_twice_make_one_file_with_ranges() {
    let s = TestServer::start().await.unwrap();
    bucket(&s, "b", json!({"encryption": false})).await;
    let total = 2 * CHUNK + 100;
    let bytes = data(total, 7);
    let chunk = |n: usize| (n * CHUNK, ((n + 1) * CHUNK).min(total) - 1);

    // The last chunk first, then the first, then the middle one together with a resend.
    let (a, z) = chunk(2);
    let (status, f) = upload(&s, "b", "big", "big.bin", &bytes[a..=z], Some((a, z, total)), false).await;
    assert_eq!((status, f["chunksUploaded"].as_u64(), f["chunksTotal"].as_u64()), (201, Some(1), Some(3)), "{f}");
    assert_eq!(f["signature"], "", "no signature before the upload completes");
    let (a, z) = chunk(0);
    let (status, f) = upload(&s, "b", "big", "big.bin", &bytes[a..=z], Some((a, z, total)), true).await;
    assert_eq!((status, f["chunksUploaded"].as_u64()), (201, Some(2)));
    let (m, n) = chunk(1);
    let (second, again) = tokio::join!(
        upload(&s, "b", "big", "big.bin", &bytes[m..=n], Some((m, n, total)), true),
        upload(&s, "b", "big", "big.bin", &bytes[a..=z], Some((a, z, total)), true),
    );
    assert_eq!(second.0 / 100, 2, "{second:?}");
    assert_eq!(again.0 / 100, 2, "{again:?}");
    let (_, f) = s.with_key(Method::GET, "/storage/buckets/b/files/big", Value::Null).await.unwrap();
    assert_eq!(f["chunksUploaded"], 3);
    assert_eq!(f["sizeOriginal"], total);
    assert_eq!(f["signature"], hex::encode(md5::Md5::digest(&bytes)));
    assert_eq!(f["mimeType"], "application/octet-stream");

    // A chunk of a finished upload: 200 with the file; a whole upload under its id: 409.
    let (status, _) = upload(&s, "b", "big", "big.bin", &bytes[a..=z], Some((a, z, total)), true).await;
    assert_eq!(status, 200);
    let (status, e) = upload(&s, "b", "big", "big.bin", b"x", None, false).await;
    assert_eq!((status, e["type"].as_str()), (409, Some("storage_file_already_exists")));

    let (status, h, body) = get(&s, "/storage/buckets/b/files/big/download", true, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, bytes, "the whole file, byte for byte");
    assert_eq!(h["content-disposition"], "attachment; filename=\"big.bin\"");
    // A range across the first chunk boundary, an open range and a suffix range.
    let (status, h, body) = get(&s, "/storage/buckets/b/files/big/download", true, Some(&format!("bytes={}-{}", CHUNK - 10, CHUNK + 9))).await;
    assert_eq!((status, body.as_slice()), (206, &bytes[CHUNK - 10..CHUNK + 10]));
    assert_eq!(h["content-range"], format!("bytes {}-{}/{total}", CHUNK - 10, CHUNK + 9));
    let (_, _, body) = get(&s, "/storage/buckets/b/files/big/view", true, Some(&format!("bytes={}-", total - 5))).await;
    assert_eq!(body, &bytes[total - 5..]);
    let (status, _, _) = get(&s, "/storage/buckets/b/files/big/download", true, Some(&format!("bytes={total}-"))).await;
    assert_eq!(status, 416);
    s.stop().await;
}

#[tokio::test]
async fn compressed_and_encrypted_files_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(300_000, 3);
    {
        let s = TestServer::start_in(dir.path()).await.unwrap();
        bucket(&s, "z", json!({"compression": "zstd", "encryption": true})).await;
        bucket(&s, "g", json!({"compression": "gzip", "encryption": false})).await;
        for b in ["z", "g"] {
            let (status, f) = upload(&s, b, "f", "notes.txt", &bytes, None, false).await;
            assert_eq!(status, 201, "{f}");
            assert_eq!(f["compression"], if b == "z" { "zstd" } else { "gzip" });
            assert_eq!(f["encryption"], b == "z");
            assert!(f["sizeActual"].as_i64().unwrap() < 300_000, "compressed: {f}");
        }
        s.stop().await;
    }
    let s = TestServer::start_in(dir.path()).await.unwrap();
    for b in ["z", "g"] {
        let (_, _, body) = get(&s, &format!("/storage/buckets/{b}/files/f/download"), true, None).await;
        assert_eq!(body, bytes);
        let (status, _, body) = get(&s, &format!("/storage/buckets/{b}/files/f/download"), true, Some("bytes=1000-1999")).await;
        assert_eq!((status, body.as_slice()), (206, &bytes[1000..2000]));
    }
    let (_, b) = s.with_key(Method::GET, "/storage/buckets/z", Value::Null).await.unwrap();
    assert!(b["totalSize"].as_i64().unwrap() > 0);
    s.stop().await;
}

#[tokio::test]
async fn limits_and_bad_ranges_are_clear_errors() {
    let s = TestServer::start().await.unwrap();
    bucket(&s, "l", json!({"allowedFileExtensions": ["png"], "maximumFileSize": 1000})).await;
    let (status, e) = upload(&s, "l", "a", "a.txt", b"hello", None, false).await;
    assert_eq!((status, e["type"].as_str(), e["message"].as_str()), (400, Some("storage_file_type_unsupported"), Some("File extension not allowed")));
    let (status, e) = upload(&s, "l", "a", "a.PNG", &[0u8; 2000], None, false).await;
    assert_eq!((status, e["type"].as_str()), (400, Some("storage_invalid_file_size")));
    let (status, e) = upload(&s, "l", "a", "a.png", b"x", Some((0, 5, 3)), false).await;
    assert_eq!((status, e["type"].as_str()), (400, Some("storage_invalid_content_range")));
    let (status, e) = upload(&s, "l", "a", "a.png", b"x", Some((0, 0, 2)), true).await;
    assert_eq!((status, e["type"].as_str()), (400, Some("storage_invalid_content_range")), "a short chunk that is not the last");
    let (status, e) = s.with_key(Method::POST, "/storage/buckets", json!({"bucketId": "x", "name": "x", "compression": "lz4"})).await.unwrap();
    assert_eq!((status, e["type"].as_str()), (400, Some("general_argument_invalid")));
    let (status, e) = s.with_key(Method::POST, "/storage/buckets", json!({"bucketId": "x", "name": "x", "maximumFileSize": 30_000_001})).await.unwrap();
    assert_eq!(status, 400, "{e}");
    assert!(e["message"].as_str().unwrap().contains("between 1 and 30,000,000"));
    s.stop().await;
}

#[tokio::test]
async fn a_token_opens_its_file_and_nothing_else() {
    let s = TestServer::start().await.unwrap();
    bucket(&s, "p", json!({"permissions": []})).await;
    upload(&s, "p", "one", "one.txt", b"first", None, false).await;
    upload(&s, "p", "two", "two.txt", b"second", None, false).await;
    let (status, t) = s.with_key(Method::POST, "/tokens/buckets/p/files/one", json!({})).await.unwrap();
    assert_eq!(status, 201, "{t}");
    assert_eq!((t["resourceType"].as_str(), t["resourceId"].as_str(), t["expire"].as_str()), (Some("files"), Some("p:one"), Some("")));
    let secret = t["secret"].as_str().unwrap();

    let (status, _, _) = get(&s, "/storage/buckets/p/files/one/view", false, None).await;
    assert_eq!(status, 401, "a guest without the token");
    let (status, _, body) = get(&s, &format!("/storage/buckets/p/files/one/view?token={secret}"), false, None).await;
    assert_eq!((status, body.as_slice()), (200, &b"first"[..]));
    let (status, _, _) = get(&s, &format!("/storage/buckets/p/files/two/view?token={secret}"), false, None).await;
    assert_eq!(status, 401, "another file");
    let (status, _, _) = get(&s, "/storage/buckets/p/files/one/view?token=not.a.token", false, None).await;
    assert_eq!(status, 401, "a forged token counts as none");

    let id = t["$id"].as_str().unwrap();
    let (_, list) = s.with_key(Method::GET, "/tokens/buckets/p/files/one", Value::Null).await.unwrap();
    assert_eq!(list["total"], 1);
    let (status, e) = s.with_key(Method::PATCH, &format!("/tokens/{id}"), json!({"expire": "2001-01-01T00:00:00.000+00:00"})).await.unwrap();
    assert_eq!(status, 400, "{e}");
    s.with_key(Method::DELETE, &format!("/tokens/{id}"), Value::Null).await.unwrap();
    let (status, _, _) = get(&s, &format!("/storage/buckets/p/files/one/view?token={secret}"), false, None).await;
    assert_eq!(status, 401, "a deleted token opens nothing");
    let (status, e) = s.with_key(Method::GET, &format!("/tokens/{id}"), Value::Null).await.unwrap();
    assert_eq!((status, e["type"].as_str()), (404, Some("token_not_found")));
    s.stop().await;
}
