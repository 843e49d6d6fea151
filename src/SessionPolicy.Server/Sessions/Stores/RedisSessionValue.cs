using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// A session as the shared store keeps it: one string, a header of what changes and of the request's length
/// (<c>state|reason|ended|expires|idle|last|requestLength|</c>, decimal integers, times in Unix ms), then a JSON array of
/// what never does (<c>[principal, role, [audiences], issued, origin, decision id, policy version]</c>, followed for a
/// session with AWS credentials by <c>credentials expiry, source identity</c>), then the
/// decided request's bytes as they are. The scripts read and rewrite only the header (<see cref="RedisSessionScripts"/>).
/// A string is well under half the hash it replaces, which Redis kept as a hash table once the request outgrew its
/// compact encoding; about 320 bytes for a typical session.
/// </summary>
internal static class RedisSessionValue
{
    private const int HeaderFields = 7;

    public static byte[] Encode(SessionRecord s)
    {
        var buffer = new ArrayBufferWriter<byte>(320);
        foreach (var field in (ReadOnlySpan<long>)[(int)s.State, (int)s.EndedReason, s.EndedAt is { } e ? Ms(e) : 0, Ms(s.ExpiresAt), s.IdleTimeoutSeconds, Ms(s.LastActivityAt), s.Request.Length])
        {
            var span = buffer.GetSpan(21);
            Utf8Formatter.TryFormat(field, span, out var written);
            span[written++] = (byte)'|';
            buffer.Advance(written);
        }
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStringValue(s.PrincipalId);
            json.WriteStringValue(s.RoleArn);
            json.WriteStartArray();
            foreach (var a in s.Audiences) json.WriteStringValue(a);
            json.WriteEndArray();
            json.WriteNumberValue(Ms(s.IssuedAt));
            json.WriteStringValue(s.Origin);
            json.WriteStringValue(s.DecisionId);
            json.WriteStringValue(s.PolicyVersion);
            if (s.CredentialsExpireAt is { } credentials)
            {
                json.WriteNumberValue(Ms(credentials));
                json.WriteStringValue(s.SourceIdentity);
            }
            json.WriteEndArray();
        }
        buffer.Write(s.Request);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The session stored as <paramref name="value"/>; null for none, and for a value this layout did not write (read as gone, never as running).</summary>
    public static SessionRecord? Decode(string id, byte[]? value)
    {
        if (value is null) return null;
        Span<long> header = stackalloc long[HeaderFields];
        var rest = (ReadOnlySpan<byte>)value;
        for (var i = 0; i < HeaderFields; i++)
        {
            var bar = rest.IndexOf((byte)'|');
            if (bar <= 0 || !Utf8Parser.TryParse(rest[..bar], out header[i], out var used) || used != bar || header[i] < 0) return null;
            rest = rest[(bar + 1)..];
        }
        if (header[6] > rest.Length || header[4] > int.MaxValue || header[0] > int.MaxValue || header[1] > int.MaxValue) return null;
        var requestAt = rest.Length - (int)header[6];
        try
        {
            var json = new Utf8JsonReader(rest[..requestAt]);
            string Text(ref Utf8JsonReader r) => r.Read() && r.TokenType == JsonTokenType.String ? r.GetString()! : throw new JsonException();
            if (!json.Read() || json.TokenType != JsonTokenType.StartArray) return null;
            var principal = Text(ref json);
            var role = Text(ref json);
            if (!json.Read() || json.TokenType != JsonTokenType.StartArray) return null;
            var audiences = new List<string>();
            while (json.Read() && json.TokenType == JsonTokenType.String) audiences.Add(json.GetString()!);
            if (json.TokenType != JsonTokenType.EndArray || !json.Read() || !json.TryGetInt64(out var issued)) return null;
            var origin = Text(ref json);
            var decision = Text(ref json);
            var version = Text(ref json);
            if (!json.Read()) return null;
            DateTimeOffset? credentials = null;
            var sourceIdentity = "";
            if (json.TokenType == JsonTokenType.Number)
            {
                if (!json.TryGetInt64(out var expires) || expires < 0) return null;
                credentials = FromMs(expires);
                sourceIdentity = Text(ref json);
                if (!json.Read()) return null;
            }
            if (json.TokenType != JsonTokenType.EndArray || json.BytesConsumed != requestAt) return null;
            return new SessionRecord
            {
                Id = id,
                PrincipalId = principal,
                RoleArn = role,
                Audiences = audiences,
                IssuedAt = FromMs(issued),
                ExpiresAt = FromMs(header[3]),
                IdleTimeoutSeconds = (int)header[4],
                LastActivityAt = FromMs(header[5]),
                Origin = origin,
                DecisionId = decision,
                PolicyVersion = version,
                CredentialsExpireAt = credentials,
                SourceIdentity = sourceIdentity,
                Request = rest[requestAt..].ToArray(),
                State = (SessionState)header[0],
                EndedReason = (LogoutReason)header[1],
                EndedAt = header[2] == 0 ? null : FromMs(header[2]),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    public static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
