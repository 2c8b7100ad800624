//! Exports carry their configuration: a PNG gets a `tEXt` chunk, an SVG a `<metadata>`
//! element, each holding the page's URL query, so a figure in course notes can be remade.
//! Pure (no web), so tests/views_url.rs checks the bytes natively.

/// The base64 of a PNG's signature and the start of its IHDR chunk, which must come first.
const PNG_START: &str = "iVBORw0KGgoAAAANSUhE";
/// The signature and the IHDR chunk (4 length + 4 type + 13 data + 4 CRC): 33 bytes, whole
/// base64 groups of 3, so 44 characters.
const PNG_HEAD_BASE64: usize = 44;

/// The PNG's CRC-32 (ISO 3309, as zlib), over a chunk's type and data.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Standard base64 of `bytes`, whose length is a multiple of 3 (no padding needed).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len() / 3 * 4);
    for group in bytes.chunks(3) {
        let bits = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        for shift in [18, 12, 6, 0] {
            text.push(char::from(ALPHABET[(bits >> shift & 63) as usize]));
        }
    }
    text
}

/// A PNG data URL (`canvas.toDataURL()`) with a `tEXt` chunk `keyword`: `text` right after the
/// header, spliced into the base64 without decoding it: the header is whole base64 groups, and
/// the text is padded with spaces so the chunk is too. Characters outside printable ASCII become
/// `?` (tEXt is Latin-1). None if `url` is not a PNG data URL.
pub fn png_url_with_text(url: &str, keyword: &str, text: &str) -> Option<String> {
    let (prefix, data) = url.split_at(url.find(";base64,")? + ";base64,".len());
    // `get`, not `split_at`: a short or non-ASCII text has no header there, and is not a PNG.
    let (head, rest) = (data.get(..PNG_HEAD_BASE64)?, data.get(PNG_HEAD_BASE64..)?);
    if !head.starts_with(PNG_START) || rest.is_empty() {
        return None;
    }
    let mut chunk = b"tEXt".to_vec();
    chunk.extend(keyword.bytes());
    chunk.push(0);
    chunk.extend(text.chars().map(|c| {
        if c == ' ' || c.is_ascii_graphic() {
            c as u8
        } else {
            b'?'
        }
    }));
    // Length, type and CRC are 12 bytes: the data's length decides the alignment.
    while !(chunk.len() - 4).is_multiple_of(3) {
        chunk.push(b' ');
    }
    let crc = crc32(&chunk);
    let mut bytes = (chunk.len() as u32 - 4).to_be_bytes().to_vec();
    bytes.extend(chunk);
    bytes.extend(crc.to_be_bytes());
    Some(format!("{prefix}{head}{}{rest}", base64(&bytes)))
}

/// `svg` with `<metadata>text</metadata>` as the root element's first child (XML-escaped).
pub fn svg_with_metadata(svg: &str, text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    match svg
        .find("<svg")
        .and_then(|start| svg[start..].find('>').map(|end| start + end + 1))
    {
        Some(at) => format!(
            "{}\n<metadata>{escaped}</metadata>{}",
            &svg[..at],
            &svg[at..]
        ),
        None => svg.to_string(),
    }
}

/// The line every export carries: what it shows and the configuration (the URL query).
pub fn describe(title: &str, query: &str) -> String {
    format!("Gossip Lab: {title}; configuration: {query}")
}
