// leash-flags: --config ui-tests/budget_names_policy.toml
// Every shared retry budget the code names must be defined in the policy's
// [budgets] (payments and search in ui-tests/budget_names_policy.toml).
use leash::RetryBudget;
use std::time::Duration;

#[leash::retry(attempts = 3, backoff = "100ms..2s", budget = "payments")]
async fn charge(card: Card) -> Result<Receipt, Error> {
    gateway(card).await
}

#[leash::retry(attempts = 3, backoff = "100ms..2s", budget = "payment")]
async fn refund(card: Card) -> Result<Receipt, Error> {
    gateway_refund(card).await
}

fn search_budget() -> &'static RetryBudget {
    RetryBudget::named("search")
}

fn billing_budget() -> Result<&'static RetryBudget, leash::BudgetInUse> {
    leash::RetryBudget::configure("billing", Duration::from_secs(10), 5, 0.1)
}
