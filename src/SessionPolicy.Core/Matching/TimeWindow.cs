namespace SessionPolicy.Core.Matching;

/// <summary>
/// A weekly window of local time in a named time zone: the days it starts on and a range of minutes of
/// the day, <c>[From, To)</c>. A window whose <c>From</c> is after its <c>To</c> runs overnight, and its
/// hours after midnight belong to the day it started on. Evaluated at an instant from the injected clock.
/// </summary>
public sealed record TimeWindow(TimeZoneInfo Zone, int Days, int FromMinute, int ToMinute)
{
    /// <summary>Minutes in a day; a window from 0 to this is the whole day.</summary>
    public const int DayMinutes = 24 * 60;

    /// <summary>The bit of <paramref name="day"/> in <see cref="Days"/>.</summary>
    public static int Bit(DayOfWeek day) => 1 << (int)day;

    /// <summary>Every day of the week.</summary>
    public const int EveryDay = 0b111_1111;

    /// <summary>Whether <paramref name="at"/> falls inside the window. Allocates nothing.</summary>
    public bool Contains(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        var minute = local.Hour * 60 + local.Minute;
        var day = local.DayOfWeek;
        if (FromMinute < ToMinute) return minute >= FromMinute && minute < ToMinute && On(day);
        // Overnight: the part before midnight is on its own day, the part after on the day before.
        if (minute >= FromMinute) return On(day);
        return minute < ToMinute && On(day == DayOfWeek.Sunday ? DayOfWeek.Saturday : day - 1);
    }

    /// <summary>
    /// How long from <paramref name="at"/> the answer of <see cref="Contains"/> is certain not to change: up
    /// to the next local <c>From</c>, <c>To</c> or midnight, shortened by a clock change (summer time) in
    /// between, never longer than the truth. Zero when a change is due now.
    /// </summary>
    public TimeSpan Stable(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, Zone);
        var minute = local.Hour * 60 + local.Minute;
        var ahead = Math.Min(MinutesTo(minute, FromMinute % DayMinutes), Math.Min(MinutesTo(minute, ToMinute % DayMinutes), MinutesTo(minute, 0)));
        var elapsed = TimeSpan.FromSeconds(local.Second) + TimeSpan.FromTicks(local.Ticks % TimeSpan.TicksPerSecond);
        var span = TimeSpan.FromMinutes(ahead) - elapsed;
        // A clock put forward in between brings the local time sooner by as much.
        var shift = Zone.GetUtcOffset(at + span) - local.Offset;
        if (shift > TimeSpan.Zero) span -= shift;
        return span > TimeSpan.Zero ? span : TimeSpan.Zero;
    }

    private bool On(DayOfWeek day) => (Days & Bit(day)) != 0;

    private static int MinutesTo(int now, int target) => target > now ? target - now : target + DayMinutes - now;
}
