using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// A session as the shared store keeps it: one string, a header of what changes
/// (<c>state|reason|ended|expires|idle|last|</c>, integers, times in Unix ms) and then the JSON of what never does
/// (principal, role, audiences, issue time, origin, decision id, policy version, the request). The scripts read and
/// rewrite only the header (<see cref="RedisSessionScripts"/>); a string is about a third of the hash it replaces,
/// which Redis kept as a hash table once the request outgrew its compact encoding.
/// </summary>
internal static class RedisSessionValue
{
    public static string Encode(SessionRecord s)
    {
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("p", s.PrincipalId);
            json.WriteString("r", s.RoleArn);
            json.WriteStartArray("a");
            foreach (var a in s.Audiences) json.WriteStringValue(a);
            json.WriteEndArray();
            json.WriteNumber("i", Ms(s.IssuedAt));
            json.WriteString("o", s.Origin);
            json.WriteString("d", s.DecisionId);
            json.WriteString("v", s.PolicyVersion);
            json.WriteBase64String("q", s.Request);
            json.WriteEndObject();
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{(int)s.State}|{(int)s.EndedReason}|{(s.EndedAt is { } e ? Ms(e) : 0)}|{Ms(s.ExpiresAt)}|{s.IdleTimeoutSeconds}|{Ms(s.LastActivityAt)}|{Encoding.UTF8.GetString(body.WrittenSpan)}");
    }

    /// <summary>The session stored as <paramref name="value"/>; null for none, and for a value this layout did not write (read as gone, never as running).</summary>
    public static SessionRecord? Decode(string id, string? value)
    {
        if (value is null) return null;
        var header = new long[6];
        var at = 0;
        for (var i = 0; i < header.Length; i++)
        {
            var bar = value.IndexOf('|', at);
            if (bar < 0 || !long.TryParse(value.AsSpan(at, bar - at), NumberStyles.None, CultureInfo.InvariantCulture, out header[i])) return null;
            at = bar + 1;
        }
        try
        {
            using var doc = JsonDocument.Parse(value.AsMemory(at));
            var b = doc.RootElement;
            return new SessionRecord
            {
                Id = id,
                PrincipalId = b.GetProperty("p").GetString()!,
                RoleArn = b.GetProperty("r").GetString()!,
                Audiences = [.. b.GetProperty("a").EnumerateArray().Select(a => a.GetString()!)],
                IssuedAt = FromMs(b.GetProperty("i").GetInt64()),
                ExpiresAt = FromMs(header[3]),
                IdleTimeoutSeconds = checked((int)header[4]),
                LastActivityAt = FromMs(header[5]),
                Origin = b.GetProperty("o").GetString()!,
                DecisionId = b.GetProperty("d").GetString()!,
                PolicyVersion = b.GetProperty("v").GetString()!,
                Request = b.GetProperty("q").GetBytesFromBase64(),
                State = (SessionState)header[0],
                EndedReason = (LogoutReason)header[1],
                EndedAt = header[2] == 0 ? null : FromMs(header[2]),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
