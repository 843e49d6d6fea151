using System.Collections.Concurrent;

namespace SessionPolicy.Server.Receivers;

/// <summary>
/// The receivers registered at run time (through <c>RegisterReceiver</c> and as Shared Signals streams): in this process
/// (embedded) or in Redis (shared, so every replica delivers to them and they survive restarts). The configured ones
/// are not here.
/// </summary>
internal interface IReceiverRegistry
{
    /// <summary>Whether it can keep an authorization header (the shared one needs a key to seal it with).</summary>
    bool KeepsSecrets { get; }

    Task<IReadOnlyList<Receiver>> ListAsync();

    Task<Receiver?> GetAsync(string name);

    /// <summary>Adds <paramref name="receiver"/>; <see cref="RegistryChange.Exists"/> when its name is taken, <see cref="RegistryChange.Full"/> when <paramref name="max"/> are registered.</summary>
    Task<RegistryChange> AddAsync(Receiver receiver, int max);

    /// <summary>Replaces the receiver of that name; false when there is none.</summary>
    Task<bool> ReplaceAsync(Receiver receiver);

    /// <summary>Removes it; false when there was none.</summary>
    Task<bool> RemoveAsync(string name);

    /// <summary>Raised in this process after each change it made.</summary>
    event Action? Changed;
}

internal enum RegistryChange
{
    Done,
    Exists,
    Full,
}

/// <summary>The embedded registry.</summary>
internal sealed class InMemoryReceiverRegistry : IReceiverRegistry
{
    private readonly ConcurrentDictionary<string, Receiver> _receivers = new(StringComparer.Ordinal);

    public event Action? Changed;

    public bool KeepsSecrets => true;

    public Task<IReadOnlyList<Receiver>> ListAsync() => Task.FromResult<IReadOnlyList<Receiver>>([.. _receivers.Values.OrderBy(r => r.Name, StringComparer.Ordinal)]);

    public Task<Receiver?> GetAsync(string name) => Task.FromResult(_receivers.GetValueOrDefault(name));

    public Task<RegistryChange> AddAsync(Receiver receiver, int max)
    {
        lock (_receivers)
        {
            if (_receivers.ContainsKey(receiver.Name)) return Task.FromResult(RegistryChange.Exists);
            if (_receivers.Count >= max) return Task.FromResult(RegistryChange.Full);
            _receivers[receiver.Name] = receiver;
        }
        Changed?.Invoke();
        return Task.FromResult(RegistryChange.Done);
    }

    public Task<bool> ReplaceAsync(Receiver receiver)
    {
        lock (_receivers)
        {
            if (!_receivers.ContainsKey(receiver.Name)) return Task.FromResult(false);
            _receivers[receiver.Name] = receiver;
        }
        Changed?.Invoke();
        return Task.FromResult(true);
    }

    public Task<bool> RemoveAsync(string name)
    {
        var removed = _receivers.TryRemove(name, out _);
        if (removed) Changed?.Invoke();
        return Task.FromResult(removed);
    }
}
