using System.Runtime.CompilerServices;
using Amazon.Runtime;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// Bounds how many HTTP requests one STS call makes, whatever retries below it (the SDK's, the HTTP stack's
/// reconnects) would add: within <see cref="Begin"/>'s scope, the attempts past the budget fail at once,
/// without reaching the network. One IssueSession makes at most <c>MaxErrorRetry + 1</c> AssumeRole requests
/// per STS call it sends (the one learned retry included in that count by the caller).
/// </summary>
internal static class StsAttempts
{
    private static readonly AsyncLocal<StrongBox<int>?> Left = new();

    /// <summary>Allows <paramref name="attempts"/> requests until the returned scope is disposed.</summary>
    public static IDisposable Begin(int attempts)
    {
        var previous = Left.Value;
        Left.Value = new StrongBox<int>(attempts);
        return new Scope(previous);
    }

    private sealed class Scope(StrongBox<int>? previous) : IDisposable
    {
        public void Dispose() => Left.Value = previous;
    }

    /// <summary>The HTTP clients the STS client uses: each request spends one attempt of the current scope.</summary>
    internal sealed class Factory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        {
            var sockets = new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(10),
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            };
            return new HttpClient(new Budget(sockets)) { Timeout = clientConfig.Timeout ?? TimeSpan.FromSeconds(100) };
        }

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;
    }

    private sealed class Budget(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Left.Value is { } left && Interlocked.Decrement(ref left.Value) < 0)
            {
                throw new HttpRequestException("the STS call's attempts are spent");
            }
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
