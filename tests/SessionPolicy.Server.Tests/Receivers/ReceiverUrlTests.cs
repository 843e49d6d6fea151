using System.Net;
using SessionPolicy.Server.Receivers;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>Which push URLs and addresses the service will call: a receiver's URL is the caller's to choose, and so a way into the network.</summary>
public sealed class ReceiverUrlTests
{
    private static readonly ReceiverOptions Strict = new();
    private static readonly ReceiverOptions Development = new() { AllowHttpLoopback = true };
    private static readonly ReceiverOptions Private = new() { AllowPrivateNetworks = true };

    [Theory]
    [InlineData("https://rp.example.com/backchannel")]
    [InlineData("https://rp.example.com:8443/logout?tenant=a")]
    [InlineData("https://203.0.113.7/logout")]
    [InlineData("https://[2001:db8::1]/logout")]
    public void PublicHttpsUrl_IsAccepted(string url) => Assert.Null(ReceiverUrls.Refusal(url, Strict));

    [Theory]
    [InlineData("", "is required")]
    [InlineData("rp.example.com/logout", "is not an absolute URL")]
    [InlineData("http://rp.example.com/logout", "must be https")]
    [InlineData("ftp://rp.example.com/logout", "must be https")]
    [InlineData("file:///etc/passwd", "must be https")]
    [InlineData("https://user:pass@rp.example.com/logout", "must not carry credentials")]
    [InlineData("https://rp.example.com/logout#x", "must not have a fragment")]
    [InlineData("https://localhost/logout", "loopback")]
    [InlineData("https://127.0.0.1/logout", "loopback")]
    [InlineData("https://[::1]/logout", "loopback")]
    [InlineData("https://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("https://[fd00:ec2::254]/latest/meta-data/", "metadata")]
    [InlineData("https://10.1.2.3/logout", "private")]
    [InlineData("https://172.20.0.1/logout", "private")]
    [InlineData("https://192.168.1.1/logout", "private")]
    [InlineData("https://100.64.0.1/logout", "private")]
    [InlineData("https://[fc00::1]/logout", "private")]
    [InlineData("https://[fe80::1]/logout", "link-local")]
    [InlineData("https://0.0.0.0/logout", "unspecified")]
    [InlineData("https://[::ffff:169.254.169.254]/logout", "link-local")]
    [InlineData("https://224.0.0.1/logout", "multicast")]
    public void Url_IsRefused_SayingWhy(string url, string why) => Assert.Contains(why, ReceiverUrls.Refusal(url, Strict));

    [Fact]
    public void OverlongUrl_IsRefused() => Assert.Contains("longer than", ReceiverUrls.Refusal("https://rp.example.com/" + new string('a', 2100), Strict));

    [Theory]
    [InlineData("http://127.0.0.1:8080/logout", null)]
    [InlineData("http://localhost:8080/logout", null)]
    [InlineData("http://rp.example.com/logout", "may be http only to a loopback address")]
    [InlineData("https://169.254.169.254/", "link-local")]
    public void Development_AllowsHttpToLoopbackOnly(string url, string? why)
    {
        var refusal = ReceiverUrls.Refusal(url, Development);

        if (why is null) Assert.Null(refusal);
        else Assert.Contains(why, refusal);
    }

    [Theory]
    [InlineData("10.1.2.3", null)]
    [InlineData("fd12::1", null)]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fd00:ec2::254", "metadata")]
    [InlineData("127.0.0.1", "loopback")]
    public void PrivateNetworksAllowed_MetadataAndLoopbackStillRefused(string address, string? why)
    {
        var refusal = ReceiverAddresses.Refusal(IPAddress.Parse(address), Private);

        if (why is null) Assert.Null(refusal);
        else Assert.Contains(why, refusal);
    }
}
