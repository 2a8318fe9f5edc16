//! Which network addresses an outgoing request (a webhook) may reach: the public internet
//! only, never this machine, its private networks, link-local addresses or a cloud's
//! metadata service (169.254.169.254, Alibaba Cloud's 100.100.100.200), unless the
//! administrator allows private targets for a station's own intranet robot.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether an address is outside the public internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier NAT; Alibaba Cloud's metadata service lives here).
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, benchmarking, reserved.
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = segments;
        return is_internal_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10.
        || (segments[0] & 0xfe00) == 0xfc00
        || (segments[0] & 0xffc0) == 0xfe80
        || (segments[0] & 0xffc0) == 0xfec0
        // IPv4-compatible (deprecated) ::a.b.c.d and documentation 2001:db8::/32.
        || segments[..6] == [0, 0, 0, 0, 0, 0]
        || (segments[0] == 0x2001 && segments[1] == 0x0db8)
}

/// Whether a host name is this machine's or a private network's by its spelling alone.
pub fn is_internal_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host.ends_with(".localdomain")
        || !host.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn internal(text: &str) -> bool {
        is_internal(text.parse().unwrap())
    }

    #[test]
    fn private_loopback_link_local_and_metadata_are_internal() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "169.254.0.23",
            "100.100.100.200",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "fc00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
        ] {
            assert!(internal(ip), "{ip}");
        }
    }

    #[test]
    fn public_addresses_are_not() {
        for ip in ["101.37.183.171", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2408:4003::1", "::ffff:8.8.8.8"] {
            assert!(!internal(ip), "{ip}");
        }
    }

    #[test]
    fn local_names_are_internal() {
        for host in ["localhost", "LOCALHOST.", "db.localhost", "printer.local", "metadata.google.internal", "intranet"]
        {
            assert!(is_internal_name(host), "{host}");
        }
        assert!(!is_internal_name("qyapi.weixin.qq.com"));
        assert!(!is_internal_name("oapi.dingtalk.com"));
    }
}
