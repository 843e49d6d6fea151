using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Audit;

/// <summary>Who made the call in progress: its authenticated name (null when callers are not authenticated) and network address.</summary>
internal sealed record AuditCaller(string? Name, string? Address);

/// <summary>
/// Writes audit records as JSON lines to their own sink (a file, or standard output), never to the
/// diagnostic log. Recording never waits for the sink: records queue and a background writer appends and
/// flushes them. Configured sensitive principal attributes are masked; off, recording does nothing.
/// </summary>
internal sealed class AuditTrail : BackgroundService
{
    private const string Masked = "***";
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly Channel<AuditRecord>? _queue;
    private readonly AuditOptions _options;
    private readonly HashSet<string> _masked;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditTrail> _logger;

    private readonly PolicyStore _policies;
    private readonly TimeSpan _long;
    private Stream? _sink;

    public AuditTrail(IOptions<AuditOptions> options, IOptions<SessionLifecycleOptions> sessions, PolicyStore policies, TimeProvider time, ILogger<AuditTrail> logger)
    {
        _options = options.Value;
        _long = sessions.Value.LongSessionThreshold;
        _masked = new HashSet<string>(_options.MaskedAttributes, StringComparer.Ordinal);
        _policies = policies;
        _time = time;
        _logger = logger;
        if (_options.IsConfigured) _queue = System.Threading.Channels.Channel.CreateUnbounded<AuditRecord>(new UnboundedChannelOptions { SingleReader = true });
    }

    /// <summary>Records the policy being served and, from now on, every policy loaded or refused; then writes in the background.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_queue is not null)
        {
            _sink = OpenSink();
            PolicyLoaded(_policies.Current);
            _policies.Changed += PolicyLoaded;
            _policies.Rejected += r => Write(new AuditRecord
            {
                Type = "policy.rejected", Time = r.At, PolicyVersion = r.Version, Detail = $"{r.Source}: {r.Errors.Count} errors; the last good policy keeps serving",
            });
        }
        return base.StartAsync(cancellationToken);
    }

    private void PolicyLoaded(PolicySnapshot p) => Write(new AuditRecord
    {
        Type = "policy.loaded", Time = p.LoadedAt, PolicyVersion = p.Version, Detail = p.Source,
    });

    public bool Enabled => _queue is not null;

    /// <summary>Whether this decision is one of the sampled ones.</summary>
    public bool SampleDecision() => _queue is not null && _options.DecisionSampleRate > 0 && Random.Shared.NextDouble() < _options.DecisionSampleRate;

    /// <summary>
    /// The caller of the call in progress, set by the authorization interceptor when auditing is on, so that
    /// every record written on behalf of a call says whose call it was.
    /// </summary>
    public static readonly AsyncLocal<AuditCaller?> CurrentCaller = new();

    public void Write(AuditRecord record)
    {
        if (_queue is null) return;
        if (record.Caller is null && record.Address is null && CurrentCaller.Value is { } caller)
        {
            record = record with { Caller = caller.Name, Address = caller.Address };
        }
        _queue.Writer.TryWrite(record);
    }

    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The principal's attributes with the configured sensitive ones masked.</summary>
    public IReadOnlyDictionary<string, string>? Attributes(IReadOnlyDictionary<string, string> attributes)
    {
        if (attributes.Count == 0) return null;
        return attributes.ToDictionary(a => a.Key, a => _masked.Contains(a.Key) ? Masked : a.Value, StringComparer.Ordinal);
    }

    /// <summary>A decision about <paramref name="request"/>, for the records that carry one.</summary>
    public AuditRecord Decided(string type, SessionRequest request, Decision decision) => new()
    {
        Type = type,
        Time = Now,
        Actor = "",
        PrincipalId = request.PrincipalId,
        RoleArn = request.Role.Value,
        Outcome = decision.Outcome.ToString().ToLowerInvariant(),
        MaxSessionSeconds = decision.MaxSessionSeconds,
        IdleTimeoutSeconds = decision.IdleTimeoutSeconds,
        DecisionId = decision.DecisionId,
        PolicyVersion = decision.PolicyVersion,
        Attributes = Attributes(request.Attributes),
        Detail = decision.Summary,
        Long = decision.MaxSessionSeconds > _long.TotalSeconds ? true : null,
    };

    /// <summary>Whether a session is allowed longer than the long-session threshold.</summary>
    public bool IsLong(SessionRecord session) => session.IsLongerThan(_long);

    /// <summary>A running session cut, not ended, by a new policy or a signal: its deadline before and after.</summary>
    public void Shortened(SessionRecord before, SessionRecord after, string actor, string detail)
    {
        if (_queue is null) return;
        Write(new AuditRecord
        {
            Type = "session.shortened", Time = Now, Actor = actor, PrincipalId = before.PrincipalId, RoleArn = before.RoleArn, SessionIds = [before.Id],
            DecisionId = Text(before.DecisionId), PolicyVersion = Text(before.PolicyVersion), MaxSessionSeconds = (int)(after.ExpiresAt - after.IssuedAt).TotalSeconds,
            IdleTimeoutSeconds = after.IdleTimeoutSeconds, OldDeadline = before.ExpiresAt, NewDeadline = after.ExpiresAt, Long = IsLong(after) ? true : null,
            Detail = detail,
        });
    }

    private static string? Text(string value) => value.Length > 0 ? value : null;

    /// <summary>A delivery to a receiver that failed for good: refused (400, or an error its poll reported) or given up on (its event left the log).</summary>
    public void DeliveryFailed(string receiver, string eventId, string principal, string why)
    {
        if (_queue is null) return;
        Write(new AuditRecord
        {
            Type = "receiver.failed", Time = Now, Actor = receiver, EventId = eventId.Length > 0 ? eventId : null,
            PrincipalId = principal.Length > 0 ? principal : null, Outcome = "failed", Detail = why,
        });
    }

    /// <summary>An ending and the sessions it ended.</summary>
    public void Ended(EndResult result)
    {
        if (_queue is null || result.Event is not { } e) return;
        Write(new AuditRecord
        {
            Type = "logout",
            Time = e.OccurredAt,
            Actor = e.Actor,
            PrincipalId = e.PrincipalId.Length > 0 ? e.PrincipalId : null,
            RoleArn = e.RoleArn.Length > 0 ? e.RoleArn : null,
            SessionIds = [.. e.Sessions.Select(s => s.Id)],
            Reason = e.Reason.ToString(),
            EventId = e.EventId,
            Detail = e.Detail.Length > 0 ? e.Detail : null,
            // One session: its decision and policy at the top, as for the records that started it.
            DecisionId = result.Ended is [var only] ? Text(only.DecisionId) : null,
            PolicyVersion = result.Ended is [var one] ? Text(one.PolicyVersion) : null,
            Ended = result.Ended.Count == 0 ? null
                : [.. result.Ended.Select(s => new AuditSession(s.Id, Text(s.DecisionId), Text(s.PolicyVersion), s.IssuedAt, s.ExpiresAt, IsLong(s) ? true : null))],
            Long = result.Ended.Any(IsLong) ? true : null,
        });
    }

    /// <summary>
    /// Opens where records go, at start: a trail that cannot be written stops the service from starting, rather than
    /// serving without one. A file and its folder are created readable by the service's user only.
    /// </summary>
    private Stream OpenSink()
    {
        var path = _options.ResolvedPath;
        if (path == "-") return Console.OpenStandardOutput();
        try
        {
            var file = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, Options = FileOptions.Asynchronous };
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
            if (OperatingSystem.IsWindows())
            {
                if (folder is not null) Directory.CreateDirectory(folder);
            }
            else
            {
                if (folder is not null && !Directory.Exists(folder)) Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            return new FileStream(path, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidOperationException(
                $"{AuditOptions.Section}:Path: cannot append to {path} ({e.GetType().Name}); set it to a writable file, '-' for standard output, or '{AuditOptions.Off}'", e);
        }
    }

    /// <summary>Where records go now: the configured path, the default one, or <c>-</c>; null when the trail is off.</summary>
    public string? Destination => _queue is null ? null : _options.ResolvedPath;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_queue is null || _sink is null) return;
        await using var sink = _sink;
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(sink, reader);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // What was recorded before shutdown is written before the process goes.
        await DrainAsync(sink, reader);
    }

    private async Task DrainAsync(Stream sink, ChannelReader<AuditRecord> reader)
    {
        var lines = new StringBuilder();
        while (reader.TryRead(out var record)) lines.Append(JsonSerializer.Serialize(record, Json)).Append('\n');
        if (lines.Length == 0) return;
        try
        {
            await sink.WriteAsync(Encoding.UTF8.GetBytes(lines.ToString()));
            await sink.FlushAsync();
        }
        catch (IOException e)
        {
            Log.AuditWriteFailed(_logger, e.Message);
        }
    }
}
