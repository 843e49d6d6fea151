using System.Net;
using System.Net.Sockets;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// Which addresses the service may connect to on a receiver's behalf: a push URL is the caller's choice, so it must
/// not reach the cloud's metadata service, link-local or unspecified addresses, and (unless allowed) loopback or
/// private networks. Checked at registration for literal addresses and at every connection for resolved ones.
/// </summary>
internal static class ReceiverAddresses
{
    private static readonly IPAddress Ec2MetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Why <paramref name="address"/> may not be connected to; null when it may.</summary>
    public static string? Refusal(IPAddress address, ReceiverOptions options)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.Equals(Ec2MetadataV6)) return "a cloud metadata address";
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [169, 254, ..] => "a link-local address (cloud metadata lives there)",
                [0, ..] => "an unspecified address",
                [127, ..] => options.AllowHttpLoopback ? null : "a loopback address",
                [10, ..] or [192, 168, ..] or [172, >= 16 and < 32, ..] or [100, >= 64 and < 128, ..] => options.AllowPrivateNetworks ? null : "a private address",
                [>= 224, ..] => "a multicast or reserved address",
                _ => null,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "not an IP address";
        if (address.Equals(IPAddress.IPv6Any)) return "an unspecified address";
        if (address.Equals(IPAddress.IPv6Loopback)) return options.AllowHttpLoopback ? null : "a loopback address";
        if (address.IsIPv6LinkLocal || address.IsIPv6SiteLocal) return "a link-local address";
        if (address.IsIPv6Multicast) return "a multicast address";
        if (address.IsIPv6UniqueLocal) return options.AllowPrivateNetworks ? null : "a private address";
        return null;
    }
}
