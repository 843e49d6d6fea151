using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using Xunit.Abstractions;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>
/// The feed never skips silently, whatever order restarts and trims come in: seeded random runs against a real
/// redis-server of bursts of logouts (some long enough to trim the log), restarts that keep the log (AOF) and
/// restarts that lose it, subscribers opened fresh and resumed from where an ended one stopped. Every subscriber
/// receives, in order, exactly the logouts that followed its start, until the end of the run or until its stream
/// ends with a status that tells it (OUT_OF_RANGE, UNAVAILABLE, ABORTED): never a gap.
/// </summary>
public sealed class FeedRestartTrimTests(ITestOutputHelper output)
{
    private const int Steps = 30;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomRestartsAndTrims_NoSubscriberEverMissesAnEventSilently(int seed)
    {
        var random = new Random(seed);
        // Small stream nodes, so the log's approximate trimming (MAXLEN ~ 100, the least retention) cuts within a run.
        await using var redis = await RedisServer.StartAsync(persistent: true, "--stream-node-max-entries", "10");
        var settings = redis.SharedSettings();
        settings["SessionPolicy:Sessions:EventRetention"] = "100";
        using var factory = new PolicyServiceFactory(settings: settings);
        var events = Client(factory);
        var expected = new List<string>();
        var readers = new List<Reader>();
        readers.Add(await Reader.OpenAsync(factory, expected.Count, cursor: ""));
        var trace = new List<string>();

        for (var step = 0; step < Steps; step++)
        {
            var roll = random.Next(100);
            var stopped = readers.Where(r => r.Stopped && !r.Resumed).ToList();
            var live = readers.Where(r => !r.Stopped).ToList();
            if (roll < 40)
            {
                var burst = random.Next(3) == 0 ? random.Next(40, 120) : random.Next(1, 8);
                trace.Add($"logouts x{burst}");
                for (var i = 0; i < burst; i++)
                {
                    var id = (await events.RegisterSessionAsync(Register($"p{expected.Count}"))).Session.SessionId;
                    expected.Add((await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id })).EventId);
                }
            }
            else if (roll < 48)
            {
                trace.Add("restart keeping the log");
                await RestartAsync(factory, async () =>
                {
                    await redis.StopAsync();
                    await redis.RestartAsync();
                });
            }
            else if (roll < 54)
            {
                trace.Add("restart losing the log");
                await RestartAsync(factory, () => redis.RestartLosingEverythingAsync());
            }
            else if (roll < 66)
            {
                trace.Add("fresh subscriber");
                readers.Add(await Reader.OpenAsync(factory, expected.Count, cursor: ""));
            }
            else if (roll < 78 && live.Count > 0)
            {
                var leaving = live[random.Next(live.Count)];
                // Once it has what was sent, so its cursor is where the run stands or where its stream was cut.
                await leaving.UntilAsync(() => leaving.Ended is not null || leaving.Start + leaving.Received.Count >= expected.Count);
                trace.Add($"a subscriber leaves after {leaving.Start + leaving.Received.Count} logouts");
                await leaving.LeaveAsync();
            }
            else if (stopped.Count > 0)
            {
                var from = stopped[random.Next(stopped.Count)];
                trace.Add($"resume after {from.Start + from.Received.Count} logouts");
                from.Resumed = true;
                readers.Add(await Reader.OpenAsync(factory, from.Start + from.Received.Count, from.LastCursor));
            }
        }
        async Task LogoutAsync(string principal)
        {
            var id = (await events.RegisterSessionAsync(Register(principal))).Session.SessionId;
            expected.Add((await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id })).EventId);
        }
        // A last logout, so every subscriber still open has something to wait for.
        await LogoutAsync("last");
        foreach (var r in readers) await r.UntilAsync(() => r.Stopped || r.Start + r.Received.Count >= expected.Count);
        // Which subscribers the restarts cut depends on when the replica found each gap, and with it whether the run
        // resumed anyone at all: end with one resume it is sure to make, from a subscriber that heard an event (one cut
        // by a gap still being found is followed by another).
        for (var attempt = 0; !readers.Any(r => r.FromCursor && r.Received.Count > 0) && attempt < 5; attempt++)
        {
            var heard = await Reader.OpenAsync(factory, expected.Count, cursor: "");
            readers.Add(heard);
            await LogoutAsync($"heard-{attempt}");
            await heard.UntilAsync(() => heard.Stopped || heard.Received.Count > 0);
            if (heard.Stopped) continue;
            trace.Add($"a subscriber leaves after {heard.Start + heard.Received.Count} logouts, and resumes");
            await heard.LeaveAsync();
            var resumed = await Reader.OpenAsync(factory, heard.Start + heard.Received.Count, heard.LastCursor);
            readers.Add(resumed);
            await LogoutAsync($"resumed-{attempt}");
            await resumed.UntilAsync(() => resumed.Stopped || resumed.Start + resumed.Received.Count >= expected.Count);
        }
        foreach (var r in readers) await r.UntilAsync(() => r.Stopped || r.Start + r.Received.Count >= expected.Count);
        foreach (var r in readers) await r.DisposeAsync();

        output.WriteLine(string.Join("\n", trace));
        foreach (var r in readers) output.WriteLine($"{(r.FromCursor ? "resumed" : "fresh")}: start {r.Start}, received {r.Received.Count}, ended {r.Ended?.StatusCode.ToString() ?? (r.Left ? "left" : "no")}");
        Assert.True(trace.Count(t => t.StartsWith("restart", StringComparison.Ordinal)) >= 2, "the run restarted Redis fewer than twice");
        Assert.Contains(readers, r => r.FromCursor && r.Received.Count > 0);
        Assert.All(readers, r =>
        {
            Assert.Equal(expected.Skip(r.Start).Take(r.Received.Count), r.Received);
            if (r.Ended is null && !r.Left) Assert.Equal(expected.Count - r.Start, r.Received.Count);
            else if (r.Ended is not null) Assert.Contains(r.Ended.StatusCode, new[] { StatusCode.OutOfRange, StatusCode.Unavailable, StatusCode.Aborted });
        });
    }

    private static async Task RestartAsync(PolicyServiceFactory factory, Func<Task> restart)
    {
        var restored = ReplicaEvents.CommandsRestored(factory);
        await restart();
        await restored.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>A subscriber reading in the background: the event ids it received, and how its stream ended.</summary>
    private sealed class Reader : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task _reading = Task.CompletedTask;

        private Reader(int start, string cursor)
        {
            Start = start;
            LastCursor = cursor;
            FromCursor = cursor.Length > 0;
        }

        /// <summary>Whether it was opened with a cursor (resumed) rather than from now.</summary>
        public bool FromCursor { get; }

        /// <summary>How many logouts of the run came before the subscriber's first one.</summary>
        public int Start { get; }

        public List<string> Received { get; } = [];

        /// <summary>The cursor to resume from: of its last event, else where it started.</summary>
        public string LastCursor { get; private set; }

        public RpcException? Ended { get; private set; }

        /// <summary>Whether the subscriber closed its stream itself.</summary>
        public bool Left { get; private set; }

        /// <summary>Whether its stream is over, ended by the server or left.</summary>
        public bool Stopped => Ended is not null || Left;

        public async Task LeaveAsync()
        {
            Left = Ended is null;
            await DisposeAsync();
        }

        /// <summary>Whether another subscriber took over from where this one ended.</summary>
        public bool Resumed { get; set; }

        /// <summary>Opens the stream and returns once it listens (its first keepalive) or has ended.</summary>
        public static async Task<Reader> OpenAsync(PolicyServiceFactory factory, int start, string cursor)
        {
            var reader = new Reader(start, cursor);
            var request = new SubscribeLogoutsRequest { Cursor = cursor };
            request.Audiences.Add("app-a");
            var call = new SessionEventsService.SessionEventsServiceClient(factory.Channel).SubscribeLogouts(request, cancellationToken: reader._cancel.Token);
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            reader._reading = reader.ReadAsync(call, listening);
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return reader;
        }

        private async Task ReadAsync(AsyncServerStreamingCall<SubscribeLogoutsResponse> call, TaskCompletionSource listening)
        {
            using (call)
            {
                try
                {
                    while (await call.ResponseStream.MoveNext(_cancel.Token))
                    {
                        var next = call.ResponseStream.Current;
                        if (!next.Keepalive)
                        {
                            lock (Received) Received.Add(next.Event.EventId);
                            LastCursor = next.Cursor;
                        }
                        else if (Received.Count == 0 && !listening.Task.IsCompleted) LastCursor = next.Cursor;
                        listening.TrySetResult();
                        Signal();
                    }
                }
                catch (RpcException e) when (!_cancel.IsCancellationRequested)
                {
                    Ended = e;
                }
                catch (Exception) when (_cancel.IsCancellationRequested)
                {
                }
                listening.TrySetResult();
                Signal();
            }
        }

        private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        /// <summary>Returns once <paramref name="done"/> holds, checked after each thing the stream does (at most 30 s).</summary>
        public async Task UntilAsync(Func<bool> done)
        {
            while (true)
            {
                var changed = _changed.Task;
                if (done()) return;
                await changed.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_cancel.IsCancellationRequested) return;
            await _cancel.CancelAsync();
            await _reading;
        }
    }
}
