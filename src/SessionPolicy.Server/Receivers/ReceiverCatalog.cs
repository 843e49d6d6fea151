using Microsoft.Extensions.Options;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The one way receivers are found, registered, changed and removed, whoever asks (the gRPC API or the Shared Signals
/// stream management): configured receivers and registered ones under one namespace of names, each change checked by
/// <see cref="ReceiverRules"/>, logged and audited, and a new receiver's cursor placed at the log's end (it hears of
/// what ends from its registration on). Refusals are <see cref="ServiceFailure"/>s, mapped at each edge.
/// </summary>
internal sealed class ReceiverCatalog(
    IOptions<ReceiverOptions> options, IReceiverRegistry registry, IReceiverCursors cursors, ISessionStore store, AuditTrail audit, TimeProvider time,
    ILogger<ReceiverCatalog> logger, SharedSignalTokens? sets = null)
{
    private readonly ReceiverOptions _options = options.Value;

    public ReceiverOptions Options => _options;

    /// <summary>The issuer of what receivers get, and the public base URL of the Shared Signals endpoints.</summary>
    public string Issuer => sets?.Issuer ?? "";

    /// <summary>Whether the service can sign what receivers get (a signing key is configured): without it, nothing is registered.</summary>
    public bool CanDeliver => sets is not null;

    /// <summary>Every receiver: the configured ones first, in their order, then the registered ones by name.</summary>
    public async Task<IReadOnlyList<Receiver>> AllAsync() =>
        [.. _options.List.Select(s => new Receiver(s, Receiver.Configured)), .. (await registry.ListAsync()).Where(r => !IsConfigured(r.Name))];

    public async Task<Receiver?> FindAsync(string name) =>
        _options.List.FirstOrDefault(s => s.Name == name) is { } configured ? new Receiver(configured, Receiver.Configured) : await registry.GetAsync(name);

    private bool IsConfigured(string name) => _options.List.Any(s => s.Name == name);

    /// <summary>Reports each problem of <paramref name="settings"/> (field, description), as a registration.</summary>
    public void Check(ReceiverSettings settings, Action<string, string> add) => ReceiverRules.Check(settings, _options, add);

    /// <summary>Registers <paramref name="receiver"/> (already checked) on behalf of <paramref name="actor"/>.</summary>
    public async Task AddAsync(Receiver receiver, string actor)
    {
        Usable(receiver);
        if (IsConfigured(receiver.Name)) throw ServiceFailure.Conflict($"receiver {receiver.Name} is configured (SessionPolicy:Receivers:List); choose another name");
        switch (await registry.AddAsync(receiver, _options.MaxRegistered))
        {
            case RegistryChange.Exists:
                throw ServiceFailure.Conflict($"receiver {receiver.Name} is registered already; remove it first, or choose another name");
            case RegistryChange.Full:
                throw ServiceFailure.Exhausted($"{_options.MaxRegistered} receivers are registered (SessionPolicy:Receivers:MaxRegistered); remove one first");
        }
        await SkipToEndAsync(receiver.Name);
        Changed(receiver, "registered", actor);
    }

    /// <summary>Replaces a registered receiver's settings or stream state; NOT_FOUND when it is not registered.</summary>
    public async Task ReplaceAsync(Receiver receiver, string actor, string change)
    {
        Usable(receiver);
        if (!await registry.ReplaceAsync(receiver)) throw ServiceFailure.NotFound($"receiver {receiver.Name} is not registered");
        Changed(receiver, change, actor);
    }

    /// <summary>Removes a registered receiver and everything kept for it; a configured one is removed only from the settings.</summary>
    public async Task RemoveAsync(string name, string actor)
    {
        if (IsConfigured(name)) throw ServiceFailure.Precondition($"receiver {name} is configured (SessionPolicy:Receivers:List): remove it there");
        var receiver = await registry.GetAsync(name);
        if (!await registry.RemoveAsync(name)) throw ServiceFailure.NotFound($"receiver {name} is not registered");
        await cursors.ForgetAsync(name);
        Changed(receiver ?? new Receiver(new ReceiverSettings { Name = name }, Receiver.Registered), "removed", actor);
    }

    /// <summary>Queues a stream's verification SET (SSF 1.0, 8.1.4), delivered before its next events.</summary>
    public async Task VerifyAsync(Receiver receiver, string? state)
    {
        var jti = Guid.NewGuid().ToString("N");
        await cursors.AddControlAsync(receiver.Name, jti, sets!.Verification(receiver.Settings, receiver.Name, state, jti), ReceiverDeliveries.MaxControl);
    }

    /// <summary>Moves a receiver's cursor to the log's end: the events so far go by (a disabled stream holds none).</summary>
    public async Task SkipToEndAsync(string name)
    {
        var latest = await store.LatestCursorAsync(CancellationToken.None) ?? "";
        await cursors.SwapAsync(name, await cursors.GetAsync(name), latest, await cursors.AcknowledgedAsync(name) is { Count: > 0 } acked ? [.. acked] : []);
    }

    private void Usable(Receiver receiver)
    {
        if (!CanDeliver) throw ServiceFailure.Precondition("receivers need a signing key for what they are sent: set SessionPolicy:SecurityEventTokens:KeyFile and :Issuer");
        if (receiver.Settings.AuthorizationHeader.Length > 0 && !registry.KeepsSecrets)
        {
            throw ServiceFailure.Precondition($"the shared store keeps a receiver's authorization header only sealed: set {ReceiverOptions.Section}:SecretKeyFile");
        }
    }

    private void Changed(Receiver receiver, string change, string actor)
    {
        Log.ReceiverChanged(logger, receiver.Name, receiver.Settings.Kind, change, actor);
        audit.Write(new AuditRecord
        {
            Type = "receiver.changed", Time = time.GetUtcNow(), Actor = actor,
            Detail = $"receiver {receiver.Name} ({receiver.Settings.Kind}, {receiver.Source}) {change}",
        });
    }
}
