namespace SessionPolicy.Core.Policies;

/// <summary>The policy shipped inside the service (<c>deploy/policies/default.yaml</c>).</summary>
public static class DefaultPolicy
{
    /// <summary>Where decisions say the embedded policy came from.</summary>
    public const string Source = "embedded:default.yaml";

    /// <summary>The policy file's bytes.</summary>
    public static byte[] ReadBytes()
    {
        using var stream = typeof(DefaultPolicy).Assembly.GetManifestResourceStream("SessionPolicy.DefaultPolicy.yaml")
            ?? throw new InvalidOperationException("the default policy is missing from the build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The default policy, parsed and validated.</summary>
    public static PolicyLoadResult Load() => PolicyParser.Parse(ReadBytes());
}
