//! Test handler for durable-lens's Rust preset, written with the official
//! Rust SDK. Deterministic: a step, a wait, a step. `VARIANT=renamed`
//! renames the first step (a code change the SDK detects when it replays
//! it).

use aws_durable_execution_sdk as durable;
use std::time::Duration;

pub async fn handler(
    event: serde_json::Value,
    ctx: durable::DurableContext,
) -> Result<serde_json::Value, durable::BoxError> {
    let order = event
        .get("orderId")
        .and_then(|v| v.as_str())
        .unwrap_or("none")
        .to_owned();
    let first = if std::env::var("VARIANT").as_deref() == Ok("renamed") {
        "check-order"
    } else {
        "validate-order"
    };
    let validated = ctx
        .step(move |_| async move { Ok(serde_json::json!({ "orderId": order, "valid": true })) })
        .name(first)
        .await?;
    ctx.wait(Duration::from_secs(5)).name("cooldown").await?;
    let charged = ctx
        .step(|_| async { Ok(serde_json::json!({ "transactionId": "txn-1" })) })
        .name("charge-card")
        .await?;
    Ok(serde_json::json!({ "order": validated, "charge": charged }))
}
