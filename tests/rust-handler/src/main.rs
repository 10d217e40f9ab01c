//! Test handler for durable-lens's Rust preset, written with the official
//! Rust SDK and run by `lambda_runtime` (the Lambda Runtime API), unmodified.
//! Deterministic: a step, a wait, a step. `VARIANT=renamed` renames the
//! second step (a code change the SDK must detect on replay).

use aws_durable_execution_sdk as durable;
use std::time::Duration;

async fn handler(
    event: serde_json::Value,
    ctx: durable::DurableContext,
) -> Result<serde_json::Value, durable::BoxError> {
    let order = event
        .get("orderId")
        .and_then(|v| v.as_str())
        .unwrap_or("none")
        .to_owned();
    let validated = ctx
        .step(move |_| async move { Ok(serde_json::json!({ "orderId": order, "valid": true })) })
        .name("validate-order")
        .await?;
    ctx.wait(Duration::from_secs(5)).name("cooldown").await?;
    let second = if std::env::var("VARIANT").as_deref() == Ok("renamed") {
        "charge-card-v2"
    } else {
        "charge-card"
    };
    let charged = ctx
        .step(|_| async { Ok(serde_json::json!({ "transactionId": "txn-1" })) })
        .name(second)
        .await?;
    Ok(serde_json::json!({ "order": validated, "charge": charged }))
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    durable::run(handler).await
}
