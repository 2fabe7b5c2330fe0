use crate::store::Warehouse;
use std::collections::HashMap;

pub async fn load_schema(wh: &Warehouse) -> Result<HashMap<String, u8>, String> {
    let text = wh.columns().await?;
    Ok(parse_columns(&text))
}

fn parse_columns(text: &str) -> HashMap<String, u8> {
    let mut map = HashMap::new();
    for (i, name) in text.split(',').enumerate() {
        map.insert(name.to_string(), i as u8);
    }
    map
}
