using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Decisions;

/// <summary>The in-process decision cache (section <c>SessionPolicy:DecisionCache</c>).</summary>
public sealed class DecisionCacheOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:DecisionCache";

    /// <summary>Most decisions kept; 0 disables the cache.</summary>
    [Range(0, 10_000_000, ErrorMessage = "SessionPolicy:DecisionCache:MaxEntries must be between 0 and 10000000")]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>How long a cached decision is served.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "SessionPolicy:DecisionCache:TimeToLive must be between 00:00:01 and 1.00:00:00")]
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most bytes the cache holds (keys, request encodings and encoded replies), whatever the number of entries.</summary>
    [Range(1024, long.MaxValue, ErrorMessage = "SessionPolicy:DecisionCache:MaxBytes must be at least 1024")]
    public long MaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Request encodings longer than this are not remembered as they came; such a request is found by its normalised input.</summary>
    [Range(0, 1024 * 1024, ErrorMessage = "SessionPolicy:DecisionCache:MaxAliasBytes must be between 0 and 1048576")]
    public int MaxAliasBytes { get; set; } = 4096;
}
