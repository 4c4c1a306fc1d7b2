//! Multipart sizing: parts of at least 8 MiB, never more than 10,000 of them.

/// S3's limit on parts per upload.
pub const MAX_PARTS: u64 = 10_000;
const MIB: u64 = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub part_size: u64,
    pub part_count: u32,
}

impl Plan {
    /// The configured part size, raised (in whole MiB) when the file would need more than
    /// 10,000 parts.
    pub fn for_size(size: u64, configured: u64) -> Plan {
        let needed = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
        let part_size = configured.max(needed).max(crate::config::MIN_PART_SIZE);
        Plan {
            part_size,
            part_count: size.div_ceil(part_size).max(1) as u32,
        }
    }

    /// The byte length part `n` (1-based) must have for a file of `size` bytes.
    pub fn part_len(&self, size: u64, n: u32) -> u64 {
        if n < self.part_count {
            self.part_size
        } else {
            size - self.part_size * u64::from(self.part_count - 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_file_within_the_limits() {
        let p = Plan::for_size(2 << 30, 16 * MIB);
        assert_eq!(
            p,
            Plan {
                part_size: 16 * MIB,
                part_count: 128
            }
        );
        let size = 500u64 << 30;
        let p = Plan::for_size(size, 16 * MIB);
        assert!(u64::from(p.part_count) <= MAX_PARTS);
        assert_eq!(p.part_size % MIB, 0);
        assert_eq!(
            p.part_size * u64::from(p.part_count - 1) + p.part_len(size, p.part_count),
            size
        );
        let odd = 100 * MIB + 3;
        let p = Plan::for_size(odd, 16 * MIB);
        assert_eq!(p.part_count, 7);
        assert_eq!(p.part_len(odd, 7), 4 * MIB + 3);
        assert_eq!(p.part_len(odd, 1), 16 * MIB);
    }
}
