//! The `bootstrap` Lambda runs: the handler of `lib.rs` under
//! `lambda_runtime` (the Lambda Runtime API), through the SDK's `run`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    aws_durable_execution_sdk::run(durable_lens_test_handler::handler).await
}
