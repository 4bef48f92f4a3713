//! Ids in the vendor's formats, drawn from a seeded generator so that the
//! same seed and the same sequence of writes give the same ids.
//!
//! Contacts, tasks, notes and Locations have 20-character ids of ASCII
//! letters and digits (`ocQHyuzHvysMo5N5VsXc`); businesses have 24 lower-case
//! hex digits (`641c094001436dbc2081e642`); trace ids are UUIDs.

/// The characters of a 20-character id.
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Length of a contact, task, note or Location id.
pub const ID_LEN: usize = 20;

/// SplitMix64: tiny, fast, and fixed forever (a library generator may change
/// its stream between versions, which would change every id a test pinned).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        // Rejection keeps the result uniform.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % bound;
            }
        }
    }

    /// A 20-character id of letters and digits.
    pub fn id(&mut self) -> String {
        (0..ID_LEN)
            .map(|_| char::from(ALPHABET[self.below(ALPHABET.len() as u64) as usize]))
            .collect()
    }

    /// A 24-hex-digit id (businesses).
    pub fn hex_id(&mut self) -> String {
        format!("{:016x}{:08x}", self.next_u64(), self.next_u64() >> 32)
    }

    /// A version-4 UUID in its usual text form.
    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// `bytes` random bytes as URL-safe text (tokens, codes).
    pub fn token(&mut self, prefix: &str, chars: usize) -> String {
        let mut out = String::with_capacity(prefix.len() + chars);
        out.push_str(prefix);
        for _ in 0..chars {
            out.push(char::from(
                ALPHABET[self.below(ALPHABET.len() as u64) as usize],
            ));
        }
        out
    }
}

/// Whether `id` has the form of a 20-character id (the vendor calls the
/// others "not a valid firebase id").
pub fn is_vendor_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids_in_the_vendor_formats() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let ids: Vec<String> = (0..3).map(|_| a.id()).collect();
        assert_eq!(ids, (0..3).map(|_| b.id()).collect::<Vec<_>>());
        assert!(ids.iter().all(|id| is_vendor_id(id)));
        assert_ne!(ids[0], ids[1]);
        let business = a.hex_id();
        assert_eq!(business.len(), 24);
        assert!(business
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let uuid = a.uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_ne!(Rng::new(8).id(), Rng::new(7).id());
    }
}
