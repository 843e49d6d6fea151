using System.Security.Cryptography;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Security;
using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Security;

/// <summary>Every method of every contract service needs a listed permission; a method without one is refused, not open.</summary>
public sealed class ClosedByDefaultTests : IDisposable
{
    private readonly TokenServer _tokens = new();

    public void Dispose()
    {
        _tokens.Dispose();
    }

    /// <summary>Every method of the sessionpolicy.v1 services, as a gRPC path, from the contract's descriptors.</summary>
    public static TheoryData<string> ContractMethods()
    {
        var methods = new TheoryData<string>();
        foreach (var file in new[] { V1.SessionPolicyServiceReflection.Descriptor, V1.SessionCredentialsServiceReflection.Descriptor, V1.SessionEventsServiceReflection.Descriptor })
        {
            foreach (var service in file.Services)
            {
                foreach (var method in service.Methods) methods.Add($"/{service.FullName}/{method.Name}");
            }
        }
        return methods;
    }

    [Theory]
    [MemberData(nameof(ContractMethods))]
    public void ContractMethod_HasAPermission(string method)
    {
        Assert.True(Permissions.ByMethod.TryGetValue(method, out var permission), $"{method} has no permission in Permissions.ByMethod");
        Assert.Contains(permission, Permissions.All);
    }

    [Fact]
    public void PermissionTable_InTheSecurityGuide_IsTheOneTheServerEnforces()
    {
        var guide = File.ReadAllText(Path.Combine(ServerProcess.RepoRoot(), "docs", "security.md"));
        var begin = guide.IndexOf("<!-- permissions:begin -->", StringComparison.Ordinal);
        var end = guide.IndexOf("<!-- permissions:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "docs/security.md has no permissions table markers");
        var rows = guide[begin..end].Split('\n').Where(l => l.StartsWith("| `/", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(c => c[0].Trim('`'), c => c[1].Trim('`'));

        Assert.Equal(Permissions.ByMethod.OrderBy(p => p.Key), rows.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task UnlistedMethod_WithAnyPermission_IsRefused()
    {
        var authorization = _tokens.Server.Services.GetRequiredService<CallerAuthorization>();
        var context = CallWithToken("/sessionpolicy.v1.SessionPolicyService/NotInTheContract", [.. Permissions.All]);

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await authorization.AuthorizeAsync(context));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("no permission listed", ex.Status.Detail);
    }

    [Theory]
    [InlineData("/grpc.health.v1.Health/Check")]
    [InlineData("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")]
    public async Task ExemptService_WithoutCredential_IsAllowed(string method)
    {
        var authorization = _tokens.Server.Services.GetRequiredService<CallerAuthorization>();
        var context = new FakeServerCallContext(method);
        context.UserState["__HttpContext"] = new DefaultHttpContext();

        Assert.Null(await authorization.AuthorizeAsync(context));
    }

    private FakeServerCallContext CallWithToken(string method, string[] permissions)
    {
        var http = new DefaultHttpContext();
        http.Request.Headers.Authorization = "Bearer " + TestTokens.Create(_tokens.Key, "gateway-1", permissions);
        var context = new FakeServerCallContext(method);
        context.UserState["__HttpContext"] = http;
        return context;
    }
}
