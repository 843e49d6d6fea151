using System.Text.Json;
using CsCheck;
using SessionPolicy.Server.Revocation;
using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Server.Tests.Revocation;

/// <summary>
/// The deny policy over generated histories of issued sessions and endings (a session, a principal, a role, a fall-back
/// to the role-wide deny), each step read back from the document IAM holds, as the revoker does: a credential that was
/// ended stays denied until it has expired, whichever statement denies it; nothing stays once every credential has
/// expired; the document survives its own parsing and is a policy IAM accepts.
/// </summary>
public sealed class DenyPolicyProperties
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
    private static readonly string[] Principals = ["ann", "ben@example.com", "cy"];

    /// <summary>An issued credential: principal, whether its SourceIdentity is the principal, issued at (ms after start), lifetime (s).</summary>
    private sealed record Issued(string Id, string Principal, bool BySource, DateTimeOffset At, DateTimeOffset Expires);

    /// <summary>An ending: 0 one session, 1 a principal, 2 the role, 3 the fall-back a full policy forces; at ms after start.</summary>
    private sealed record Ending(int Kind, int Target, long AtMs);

    private static readonly Gen<Issued[]> Sessions = Gen.Select(Gen.Int[0, Principals.Length - 1], Gen.Bool, Gen.Long[0, 4 * 3_600_000L], Gen.Int[900, 43_200])
        .Array[1, 25]
        .Select(a => a.Select((s, i) => new Issued($"s{i:D3}-{s.Item3 % 997}", Principals[s.Item1], s.Item2, Start.AddMilliseconds(s.Item3),
            Start.AddMilliseconds(s.Item3).AddSeconds(s.Item4))).ToArray());

    private static readonly Gen<Ending[]> Endings = Gen.Select(Gen.Frequency((6, Gen.Const(0)), (3, Gen.Const(1)), (1, Gen.Const(2)), (1, Gen.Const(3))), Gen.Int[0, 24], Gen.Long[0, 16 * 3_600_000L],
        (k, t, at) => new Ending(k, t, at)).Array[0, 12].Select(a => a.OrderBy(e => e.AtMs).ToArray());

    [Fact]
    public void AnEndedCredentialIsDeniedUntilItExpires_AndNothingStaysAfter()
    {
        Gen.Select(Sessions, Endings, Gen.Long[0, 14 * 3_600_000L]).Sample((sessions, endings, probeMs) =>
        {
            var (document, ended) = Run(sessions, endings);
            // Asked after the last write (the revoker prunes at each one), up to well past the last expiry.
            var now = Start.AddMilliseconds((endings.Length > 0 ? endings[^1].AtMs : 0) + probeMs);
            var policy = DenyPolicy.Parse(document);
            policy.Prune(now);
            var entries = policy.Entries.ToList();
            var stillDenied = ended.Where(s => s.Expires > now).All(s => Covers(entries, s));
            var pruned = DenyPolicy.Parse(document);
            var last = endings.Length > 0 ? Start.AddMilliseconds(endings[^1].AtMs) : Start;
            pruned.Prune((last > sessions.Max(s => s.Expires) ? last : sessions.Max(s => s.Expires)) + DenyPolicy.LongestCredentials + TimeSpan.FromMinutes(5));
            return stillDenied && pruned.IsEmpty;
        }, iter: 400);
    }

    [Fact]
    public void TheDocument_ReadsBackAsItself_AndIsAPolicyIamAccepts()
    {
        Gen.Select(Sessions, Endings).Sample((sessions, endings) =>
        {
            var (document, _) = Run(sessions, endings);
            if (document is null) return true;
            IamPolicyRules.Check(document);
            var again = DenyPolicy.Parse(document);
            return again.Render() == document && again.Entries.SequenceEqual(DenyPolicy.Parse(again.Render()).Entries);
        }, iter: 400);
    }

    [Fact]
    public void ASessionEntryGoesWithinAStepOfItsCredentialsExpiring_AndNoBoundOutlivesTheLongestCredential()
    {
        Gen.Select(Sessions, Endings).Sample((sessions, endings) =>
        {
            var (document, _) = Run(sessions, endings);
            var entries = DenyPolicy.Parse(document).Entries.ToList();
            var byId = sessions.ToDictionary(s => s.Id);
            return entries.Where(e => e.Kind == "session").All(e => e.RemovedAt >= byId[e.Subject].Expires && e.RemovedAt - byId[e.Subject].Expires < TimeSpan.FromMinutes(5))
                && entries.Where(e => e.Kind is "role" or "principal").All(e => e.RemovedAt <= e.IssuedBefore!.Value + DenyPolicy.LongestCredentials);
        }, iter: 400);
    }

    [Fact]
    public void ASessionStatementExpiresAtItsStep_NotASecondEarlier()
    {
        var expires = Start.AddSeconds(3_600 + 17);
        var policy = new DenyPolicy();
        policy.DenySessions([("s1", expires)]);
        var removal = Assert.Single(policy.Entries).RemovedAt;
        Assert.True(removal >= expires && removal - expires < TimeSpan.FromMinutes(5));

        var before = DenyPolicy.Parse(policy.Render());
        Assert.False(before.Prune(removal.AddSeconds(-1)));
        Assert.Single(before.Entries);
        Assert.True(before.Prune(removal));
        Assert.Null(before.Render());
    }

    [Fact]
    public void APrincipalDeny_BoundsTheIssueTime_SoAFreshSignInIsNotDenied()
    {
        var ended = Start.AddMilliseconds(1_250);
        var policy = new DenyPolicy();
        policy.DenyPrincipal("ann", ended, ended.AddHours(1));
        using var doc = JsonDocument.Parse(policy.Render()!);
        var condition = doc.RootElement.GetProperty("Statement")[0].GetProperty("Condition");
        Assert.Equal("ann", condition.GetProperty("StringEquals").GetProperty("aws:SourceIdentity").GetString());
        // Rounded up to the second: a credential issued in the second of the ending is denied, the next second's is not.
        Assert.Equal("2027-01-15T08:00:02Z", condition.GetProperty("DateLessThan").GetProperty("aws:TokenIssueTime").GetString());
    }

    [Fact]
    public void ARoleDeny_CoversTheStatementsBeforeIt_AndKeepsWhatTheServiceDidNotWrite()
    {
        const string handWritten = """{"Sid":"KeepMe","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}""";
        var policy = DenyPolicy.Parse($$"""{"Version":"2012-10-17","Statement":[{{handWritten}}]}""");
        policy.DenySessions([("s1", Start.AddHours(1)), ("s2", Start.AddHours(2))]);
        policy.DenyPrincipal("ann", Start, Start.AddHours(3));
        policy.DenyRole(Start.AddMinutes(1));

        var entries = DenyPolicy.Parse(policy.Render()).Entries.ToList();
        var role = Assert.Single(entries);
        Assert.Equal("role", role.Kind);
        Assert.Equal(Start.AddMinutes(1), role.IssuedBefore);
        Assert.Equal(1, DenyPolicy.Parse(policy.Render()).ForeignCount);
        Assert.Contains("KeepMe", policy.Render(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"Version":"2012-10-17"}""")]
    [InlineData("""{"Statement":"Deny"}""")]
    public void ADocumentThatIsNotAPolicy_IsRefused_NotReadAsEmpty(string document)
    {
        Assert.Throws<FormatException>(() => DenyPolicy.Parse(document));
    }

    [Fact]
    public void ASidThatLooksLikeTheServicesButIsNot_IsKeptAsForeign()
    {
        var policy = DenyPolicy.Parse("""{"Version":"2012-10-17","Statement":[{"Sid":"Sessions1800000300","Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/sessionpolicy:session-id":["s1"]}}}]}""");
        Assert.Empty(policy.Entries);
        Assert.Equal(1, policy.ForeignCount);
        Assert.False(policy.Prune(DateTimeOffset.MaxValue.AddYears(-1)));
    }

    /// <summary>Plays the endings as the revoker does: read what IAM holds, prune at the ending, add its denies, fall back when told, write.</summary>
    private static (string? Document, List<Issued> Ended) Run(Issued[] sessions, Ending[] endings)
    {
        string? document = null;
        var ended = new List<Issued>();
        foreach (var e in endings)
        {
            var at = Start.AddMilliseconds(e.AtMs);
            var live = sessions.Where(s => s.At < at && s.Expires > at && !ended.Contains(s)).ToList();
            var policy = DenyPolicy.Parse(document);
            policy.Prune(at);
            switch (e.Kind)
            {
                case 0:
                    if (live.FirstOrDefault(s => s.Id == sessions[e.Target % sessions.Length].Id) is { } one)
                    {
                        policy.DenySessions([(one.Id, one.Expires)]);
                        ended.Add(one);
                    }
                    break;
                case 1:
                    var principal = Principals[e.Target % Principals.Length];
                    var theirs = live.Where(s => s.Principal == principal).ToList();
                    var bySource = theirs.Where(s => s.BySource).ToList();
                    if (bySource.Count > 0) policy.DenyPrincipal(principal, at, bySource.Max(s => s.Expires));
                    policy.DenySessions(theirs.Except(bySource).Select(s => (s.Id, s.Expires)));
                    ended.AddRange(theirs);
                    break;
                case 2:
                    policy.DenyRole(at);
                    ended.AddRange(live);
                    break;
                default:
                    policy.DenyRole(at);
                    break;
            }
            document = policy.Render();
        }
        return (document, ended);
    }

    /// <summary>Whether a statement denies the credential as IAM evaluates it (TokenIssueTime strictly before the bound).</summary>
    private static bool Covers(List<DenyEntry> entries, Issued s) => entries.Any(e => e.Kind switch
    {
        "session" => e.Subject == s.Id,
        "principal" => s.BySource && e.Subject == s.Principal && s.At < e.IssuedBefore,
        "role" => s.At < e.IssuedBefore,
        _ => false,
    });
}
