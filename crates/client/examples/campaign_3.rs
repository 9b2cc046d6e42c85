//! Six months of campaign_3, streamed in time order, counted per result.
//!
//!   MARCADOR_URL=http://127.0.0.1:8080 WOLKVOX_TOKEN=… cargo run -p marcador-client --example campaign_3
//!   WOLKVOX_SERVER=0016 WOLKVOX_TOKEN=… cargo run -p marcador-client --example campaign_3
//!
//! The range is longer than the API's 31 days and may hold more than 60,000
//! rows a month: the client splits and narrows it, and never has more than
//! 2 requests in flight on the token.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use jiff::{ToSpan, Zoned};
use marcador_client::wire::WireDate;
use marcador_client::{Campaigns, Client, Endpoint};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = match std::env::var("MARCADOR_URL") {
        Ok(url) => Endpoint::Url(url),
        Err(_) => Endpoint::Wolkvox {
            server: std::env::var("WOLKVOX_SERVER")?,
        },
    };
    let client = Client::new(endpoint, std::env::var("WOLKVOX_TOKEN")?)?;
    let now = Zoned::now().with_time_zone(client.time_zone().clone());
    let to = WireDate::from(now.datetime());
    let from = WireDate::from(now.checked_sub(6.months())?.datetime());

    let mut per_result = BTreeMap::<String, u64>::new();
    let mut rows = client.campaign_3(Campaigns::All, from, to);
    while let Some(row) = rows.try_next().await? {
        *per_result.entry(row.result).or_default() += 1;
    }
    for (result, n) in per_result {
        println!("{result:>16} {n}");
    }
    eprintln!("{:?}", client.stats());
    Ok(())
}
