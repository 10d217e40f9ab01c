//! AWS Signature Version 4 verification for the re-run service: the
//! canonical request is rebuilt from what was sent, and the HMAC-SHA256 of
//! its string to sign, under the key derived from this run's secret, must be
//! the request's signature.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far the signing time may be from ours (AWS allows 15 minutes).
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// SigV4's URI encoding leaves only the unreserved characters as they are.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Who may sign: one access key id, its secret, and the scope it signs for.
#[derive(Debug, Clone)]
pub struct Verifier {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    pub service: String,
}

/// A request as it came over the wire.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The request target as sent: the (percent-encoded) path, then `?query`.
    pub target: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed (no `Authorization: AWS4-HMAC-SHA256 …` header)")]
    Unsigned,
    #[error("malformed Authorization header: {0}")]
    Malformed(&'static str),
    #[error("the access key id {0:?} is not this run's")]
    UnknownKey(String),
    #[error("the credential scope {got:?} is not {expected:?}")]
    WrongScope { got: String, expected: String },
    #[error("X-Amz-Date is missing or not in the form YYYYMMDDTHHMMSSZ")]
    BadDate,
    #[error("the request was signed at {0}, more than 15 minutes from now")]
    Stale(String),
    #[error("the signed header {0:?} is not in the request")]
    MissingHeader(String),
    #[error("x-amz-content-sha256 is not the SHA-256 of the body")]
    PayloadMismatch,
    #[error("the request signature we calculated does not match the signature provided")]
    Mismatch,
}

impl SignatureError {
    /// The error type AWS answers with for this refusal.
    pub fn aws_type(&self) -> &'static str {
        match self {
            SignatureError::UnknownKey(_) => "UnrecognizedClientException",
            _ => "InvalidSignatureException",
        }
    }
}

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
struct Authorization<'a> {
    key_id: &'a str,
    scope: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, SignatureError> {
    let rest = value
        .trim()
        .strip_prefix(ALGORITHM)
        .ok_or(SignatureError::Unsigned)?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or(SignatureError::Malformed("no Credential"))?;
    let (key_id, scope) = credential.split_once('/').ok_or(SignatureError::Malformed(
        "Credential is not <key id>/<scope>",
    ))?;
    Ok(Authorization {
        key_id,
        scope,
        signed_headers: signed_headers.ok_or(SignatureError::Malformed("no SignedHeaders"))?,
        signature: signature.ok_or(SignatureError::Malformed("no Signature"))?,
    })
}

/// All values of header `name` (any case), as the canonical form joins them.
fn header_value(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<String> = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes a key of any length: new_from_slice cannot fail here.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The path with `.`/`..`/empty segments removed and every byte but the
/// unreserved ones and `/` encoded again: the SDKs sign the path they send
/// (already percent-encoded) encoded a second time, as SigV4 asks of every
/// service but S3.
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = if !segments.is_empty() && path.ends_with('/') {
        "/"
    } else {
        ""
    };
    let normalized = format!("/{}{trailing}", segments.join("/"));
    percent_encode(normalized.as_bytes(), UNRESERVED_AND_SLASH).to_string()
}

/// Each name and value decoded then strictly encoded, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let encode = |s: &str| {
        let raw: Vec<u8> = percent_decode_str(s).collect();
        percent_encode(&raw, UNRESERVED).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `20150830T123600Z` → seconds since the epoch.
fn parse_amz_date(s: &str) -> Option<i64> {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc().timestamp())
}

impl Verifier {
    /// `Ok` when `req` carries a valid SigV4 signature by this key, made
    /// within [`MAX_SKEW`] of `now`.
    pub fn verify(&self, req: &SignedRequest<'_>, now: SystemTime) -> Result<(), SignatureError> {
        let auth_value =
            header_value(req.headers, "authorization").ok_or(SignatureError::Unsigned)?;
        let auth = parse_authorization(&auth_value)?;
        if auth.key_id != self.access_key_id {
            return Err(SignatureError::UnknownKey(auth.key_id.to_string()));
        }
        let amz_date = header_value(req.headers, "x-amz-date").ok_or(SignatureError::BadDate)?;
        let signed_at = parse_amz_date(&amz_date).ok_or(SignatureError::BadDate)?;
        let now_secs = now
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if signed_at.abs_diff(now_secs) > MAX_SKEW.as_secs() {
            return Err(SignatureError::Stale(amz_date));
        }
        let day = amz_date.get(..8).ok_or(SignatureError::BadDate)?;
        let expected_scope = format!("{day}/{}/{}/aws4_request", self.region, self.service);
        if auth.scope != expected_scope {
            return Err(SignatureError::WrongScope {
                got: auth.scope.to_string(),
                expected: expected_scope,
            });
        }
        let names: Vec<&str> = auth.signed_headers.split(';').collect();
        // Unsigned host or date would let a captured signature be replayed
        // elsewhere or later.
        if !names.contains(&"host") || !names.contains(&"x-amz-date") {
            return Err(SignatureError::Malformed(
                "SignedHeaders must include host and x-amz-date",
            ));
        }
        let mut canonical_headers = String::new();
        for name in &names {
            let value = header_value(req.headers, name)
                .ok_or_else(|| SignatureError::MissingHeader(name.to_string()))?;
            canonical_headers.push_str(&format!("{name}:{value}\n"));
        }
        let payload_hash = sha256_hex(req.body);
        if let Some(claimed) = header_value(req.headers, "x-amz-content-sha256") {
            if claimed != payload_hash {
                return Err(SignatureError::PayloadMismatch);
            }
        }
        let (path, query) = req.target.split_once('?').unwrap_or((req.target, ""));
        let canonical_request = [
            req.method,
            &canonical_uri(path),
            &canonical_query(query),
            &canonical_headers,
            auth.signed_headers,
            &payload_hash,
        ]
        .join("\n");
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{}\n{}",
            auth.scope,
            sha256_hex(canonical_request.as_bytes())
        );
        let key = [
            day.as_bytes(),
            self.region.as_bytes(),
            self.service.as_bytes(),
            b"aws4_request",
        ]
        .iter()
        .fold(
            format!("AWS4{}", self.secret_access_key).into_bytes(),
            |key, part| hmac(&key, part),
        );
        let provided = hex::decode(auth.signature).map_err(|_| SignatureError::Mismatch)?;
        let mut mac = HmacSha256::new_from_slice(&key).expect("HMAC accepts any key length");
        mac.update(string_to_sign.as_bytes());
        // verify_slice compares in constant time.
        mac.verify_slice(&provided)
            .map_err(|_| SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example credentials and scope of AWS's SigV4 test suite
    /// (aws-sig-v4-test-suite, as shipped with aws-c-auth).
    fn suite() -> Verifier {
        Verifier {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
            service: "service".into(),
        }
    }

    fn at_suite_time() -> SystemTime {
        // 2015-08-30T12:36:00Z
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn headers(signature: &str) -> Vec<(String, String)> {
        vec![
            ("Host".into(), "example.amazonaws.com".into()),
            ("X-Amz-Date".into(), "20150830T123600Z".into()),
            (
                "Authorization".into(),
                format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"),
            ),
        ]
    }

    fn get(target: &str, h: &[(String, String)]) -> Result<(), SignatureError> {
        get_by(&suite(), h, at_suite_time(), target)
    }

    /// A bodiless GET of `target` checked by `v` at `now`.
    fn get_by(
        v: &Verifier,
        h: &[(String, String)],
        now: SystemTime,
        target: &str,
    ) -> Result<(), SignatureError> {
        let req = SignedRequest {
            method: "GET",
            target,
            headers: h,
            body: b"",
        };
        v.verify(&req, now)
    }

    // Signatures published by AWS for get-vanilla and
    // get-vanilla-query-order-key-case.
    const GET_VANILLA: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    const GET_QUERY_ORDER: &str =
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500";

    #[test]
    fn aws_test_suite_signatures_verify() {
        assert_eq!(get("/", &headers(GET_VANILLA)), Ok(()));
        assert_eq!(
            get("/?Param2=value2&Param1=value1", &headers(GET_QUERY_ORDER)),
            Ok(())
        );
    }

    #[test]
    fn a_changed_request_or_signature_is_refused() {
        assert_eq!(
            get("/other", &headers(GET_VANILLA)),
            Err(SignatureError::Mismatch)
        );
        let mut flipped = GET_VANILLA.to_string();
        flipped.replace_range(0..1, "6");
        assert_eq!(get("/", &headers(&flipped)), Err(SignatureError::Mismatch));
        let mut v = suite();
        v.secret_access_key.push('x');
        assert_eq!(
            get_by(&v, &headers(GET_VANILLA), at_suite_time(), "/"),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn unsigned_wrong_key_and_stale_requests_are_refused() {
        let h = &headers(GET_VANILLA)[..2];
        assert_eq!(get("/", h), Err(SignatureError::Unsigned));
        let mut h = headers(GET_VANILLA);
        h[2].1 = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/".into();
        assert!(matches!(get("/", &h), Err(SignatureError::Malformed(_))));
        h[2].1 = headers(GET_VANILLA)[2]
            .1
            .replace("AKIDEXAMPLE", "AKIDOTHER");
        assert_eq!(
            get("/", &h),
            Err(SignatureError::UnknownKey("AKIDOTHER".into()))
        );
        let h = headers(GET_VANILLA);
        let later = at_suite_time() + MAX_SKEW + Duration::from_secs(1);
        assert!(matches!(
            get_by(&suite(), &h, later, "/"),
            Err(SignatureError::Stale(_))
        ));
        let within = at_suite_time() + MAX_SKEW;
        assert_eq!(get_by(&suite(), &h, within, "/"), Ok(()));
    }

    #[test]
    fn a_body_that_is_not_the_signed_one_is_refused() {
        let mut h = headers(GET_VANILLA);
        h.push(("x-amz-content-sha256".into(), sha256_hex(b"")));
        let req = SignedRequest {
            method: "GET",
            target: "/",
            headers: &h,
            body: b"tampered",
        };
        assert_eq!(
            suite().verify(&req, at_suite_time()),
            Err(SignatureError::PayloadMismatch)
        );
    }
}
