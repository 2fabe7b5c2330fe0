//! order-notifier: accepts order events over TCP, enriches them from the
//! inventory service, and pushes notifications to subscribers.

mod budgets;
mod concurrency;
mod fallback;
mod queue;
mod retry;
mod timeouts;

#[tokio::main]
async fn main() {
    let events = queue::EventQueue::new();
    events.publish(queue::Event { order_id: 1 });
}
