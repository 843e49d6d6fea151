namespace SessionPolicy.Mapping;

/// <summary>
/// The times a caller may state, at the moment a request is read: no more than <see cref="MaxSkew"/> ahead
/// of <see cref="Now"/> (clocks differ a little, never by years), no more than <see cref="MaxAge"/> behind.
/// </summary>
public readonly record struct TimeBounds(DateTimeOffset Now, TimeSpan MaxSkew, TimeSpan MaxAge)
{
    /// <summary>The default allowance for clock differences.</summary>
    public static readonly TimeSpan DefaultMaxSkew = TimeSpan.FromMinutes(5);

    /// <summary>The default oldest sign-in a request may state.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(400);

    /// <summary>What is wrong with <paramref name="at"/>, or null when it is within the bounds.</summary>
    public string? Check(DateTimeOffset at)
    {
        if (at > Now + MaxSkew) return $"is in the future (more than {MaxSkew.TotalSeconds:0}s ahead of the service's clock)";
        if (at < Now - MaxAge) return $"is more than {MaxAge.TotalDays:0} days in the past";
        return null;
    }
}
