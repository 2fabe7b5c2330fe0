pub fn write_block(block: u32) -> Result<(), std::io::Error> {
    let mut tries = 0;
    loop {
        match write_once(block) {
            Ok(()) => return Ok(()),
            Err(e) if tries >= 5 => return Err(e),
            Err(_) => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
    }
}

fn write_once(_block: u32) -> Result<(), std::io::Error> {
    Ok(())
}
