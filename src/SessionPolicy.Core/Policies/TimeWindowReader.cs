using System.Globalization;
using SessionPolicy.Core.Matching;
using YamlDotNet.RepresentationModel;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Reads one time window: <c>{ zone: Europe/Berlin, days: [mon-fri], from: "08:00", to: "18:00" }</c>. The
/// zone is required (an IANA name; no implicit UTC); days default to every day; <c>from</c> and <c>to</c>
/// come together (HH:MM, <c>to</c> may be 24:00) or not at all for the whole day.
/// </summary>
internal sealed class TimeWindowReader(YamlNodeReader r)
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public TimeWindow? Read(YamlNode node, string path)
    {
        var m = r.Mapping(node, path, "zone", "days", "from", "to");
        if (m is null) return null;
        var errors = r.Problems.Count;
        TimeZoneInfo? zone = null;
        if (!m.TryGetValue("zone", out var zoneNode)) r.Error(node, path + ".zone", "is required: an IANA time zone such as Europe/Berlin or UTC");
        else if (r.String(zoneNode, path + ".zone", 64) is { } id)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone)) r.Error(zoneNode, path + ".zone", $"'{id}' is not a time zone this system knows (an IANA name such as Europe/Berlin)");
        }
        var days = TimeWindow.EveryDay;
        if (m.TryGetValue("days", out var daysNode)) days = ReadDays(daysNode, path + ".days") ?? 0;
        var from = m.TryGetValue("from", out var f) ? ReadTime(f, path + ".from", allowEndOfDay: false) : null;
        var to = m.TryGetValue("to", out var t) ? ReadTime(t, path + ".to", allowEndOfDay: true) : null;
        if (m.ContainsKey("from") != m.ContainsKey("to")) r.Error(node, path, "give both from and to, or neither for the whole day");
        else if (from is not null && from == to % TimeWindow.DayMinutes) r.Error(node, path, "from and to are the same time: the window is empty (leave both out for the whole day)");
        if (r.Problems.Count != errors || zone is null) return null;
        return new TimeWindow(zone, days, from ?? 0, to ?? TimeWindow.DayMinutes);
    }

    private int? ReadDays(YamlNode node, string path) =>
        r.ValueList(node, path, ReadDay, 7) is { } masks ? masks.Aggregate(0, (all, m) => all | m) : null;

    /// <summary>A day (mon) or a range of days (mon-fri; fri-mon wraps past Saturday), as a mask.</summary>
    private int? ReadDay(YamlNode node, string path)
    {
        var text = r.String(node, path, 16);
        if (text is null) return null;
        var item = text.ToLowerInvariant();
        var dash = item.IndexOf('-');
        var first = Array.IndexOf(DayNames, dash < 0 ? item : item[..dash]);
        var last = dash < 0 ? first : Array.IndexOf(DayNames, item[(dash + 1)..]);
        if (first < 0 || last < 0)
        {
            r.Error(node, path, $"'{text}' is not a day (mon, tue, wed, thu, fri, sat, sun) or a range such as mon-fri");
            return null;
        }
        var days = 0;
        for (var d = first; ; d = (d + 1) % 7)
        {
            days |= 1 << d;
            if (d == last) return days;
        }
    }

    private int? ReadTime(YamlNode node, string path, bool allowEndOfDay)
    {
        var text = r.String(node, path, 5);
        if (text is null) return null;
        if (allowEndOfDay && text == "24:00") return TimeWindow.DayMinutes;
        if (text.Length == 5 && text[2] == ':' && int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h) &&
            int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var min) && h < 24 && min < 60)
        {
            return h * 60 + min;
        }
        r.Error(node, path, $"must be a time of day HH:MM (00:00..23:59{(allowEndOfDay ? ", or 24:00" : "")}), quoted");
        return null;
    }
}
