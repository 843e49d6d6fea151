using CsCheck;
using SessionPolicy.Server.Receivers;
using SessionPolicy.Server.Sessions;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Receivers;

/// <summary>
/// What a receiver is told, over generated endings and receivers: only of sessions one of whose audiences it holds and
/// whose principal it hears (its principal filter, its stream's removed subjects, its requested events), each named to
/// those audiences only; of every such session; Back-Channel Logout one client id per token; and each token its own jti.
/// </summary>
public sealed class DeliveryProperties
{
    private static readonly string[] Audiences = ["app-a", "app-b", "app-c", "app-d"];
    private static readonly string[] Principals = ["ann", "ben", "cy@example.com", "dee"];

    private static readonly Gen<EndedSession> Session = Gen.Select(Gen.Int[0, 3], Gen.Int[0, Audiences.Length - 1].Array[0, 3], Gen.Bool, Gen.Int[0, 999],
        (p, a, external, n) => new EndedSession($"s{n}", Principals[p], "arn:aws:iam::123456789012:role/ReadOnly", [.. a.Distinct().Select(i => Audiences[i])], external));

    private static readonly Gen<LogoutRecord> Ending = Session.Array[1, 8].Select(sessions => new LogoutRecord
    {
        EventId = "e1", Reason = LogoutReason.Admin, Actor = "test", PrincipalId = "", RoleArn = "", OccurredAt = DateTimeOffset.UnixEpoch, Detail = "",
        Sessions = sessions.DistinctBy(s => s.Id).ToList(),
    });

    private static readonly Gen<Receiver> Listener = Gen.Select(Gen.Int[0, 2], Gen.Int[0, Audiences.Length - 1].Array[1, 3], Gen.Int[0, 3].Array[0, 2], Gen.Int[0, 3].Array[0, 2],
        Gen.Bool, Gen.Bool, (kind, a, only, removed, stream, requested) =>
        {
            var settings = new ReceiverSettings
            {
                Name = "r", Kind = ReceiverSettings.Kinds[kind], Audiences = [.. a.Distinct().Select(i => Audiences[i])], Principals = [.. only.Distinct().Select(i => Principals[i])],
            };
            var events = requested ? new[] { SecurityEventTokens.SessionRevoked } : [];
            return stream
                ? new Receiver(settings, Receiver.Streamed, new ReceiverStream("owner", ReceiverStream.StatusEnabled, [.. removed.Distinct().Select(i => Principals[i])], "", "", events, DateTimeOffset.UnixEpoch))
                : new Receiver(settings, Receiver.Configured);
        });

    [Fact]
    public void AReceiverHearsExactlyTheSessionsOfItsAudiencesAndPrincipals_NamedToThoseAudiencesOnly()
    {
        Gen.Select(Ending, Listener).Sample((e, r) =>
        {
            var deliveries = ReceiverMessages.Deliveries(e, r).ToList();
            var due = e.Sessions.Where(s => r.Hears(s.PrincipalId) && s.Audiences.Intersect(r.Settings.Audiences).Any()).ToList();
            var principalOk = r.Settings.Principals.Length == 0 || deliveries.All(d => r.Settings.Principals.Contains(d.Subject));
            var notRemoved = r.Stream is null || deliveries.All(d => !r.Stream.Excluded.Contains(d.Subject) && r.Stream.Delivers);
            var audiencesOk = deliveries.All(d => d.Audiences.All(a => r.Settings.Audiences.Contains(a)
                && e.Sessions.Any(s => s.PrincipalId == d.Subject && (s.IsExternal ? s.Id : null) == d.Sid && s.Audiences.Contains(a))));
            var everyoneTold = due.All(s => deliveries.Any(d => d.Subject == s.PrincipalId && d.Sid == (s.IsExternal ? s.Id : null)));
            var oneClientPerToken = r.Settings.IsSsf || deliveries.All(d => d.Audiences.Count == 1);
            var jtis = deliveries.Select(d => ReceiverMessages.Jti(r.Name, e.EventId, d)).ToList();
            return principalOk && notRemoved && audiencesOk && everyoneTold && oneClientPerToken && jtis.Distinct().Count() == jtis.Count;
        }, iter: 500);
    }
}
