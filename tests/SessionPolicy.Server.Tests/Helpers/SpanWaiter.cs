using System.Diagnostics;
using OpenTelemetry;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A span processor that lets a test wait for a span to end (server spans end just after the client has its reply).</summary>
public sealed class SpanWaiter(Func<Activity, bool> match) : BaseProcessor<Activity>
{
    private readonly TaskCompletionSource<Activity> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<Activity> Ended => _ended.Task.WaitAsync(TimeSpan.FromSeconds(30));

    public override void OnEnd(Activity data)
    {
        if (match(data)) _ended.TrySetResult(data);
    }
}
