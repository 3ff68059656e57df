namespace HandoffBot.Routing;

/// <summary>
/// Working-hours arithmetic: whether an instant is within a weekly shift in the agent's time zone, and until when
/// that answer holds (the next shift start or end), so the engine can cache it. A shift starts on each listed day
/// at <see cref="WorkingHours.Start"/> and ends at <see cref="WorkingHours.End"/> the same day, or the next day when
/// End is at or before Start (overnight).
/// </summary>
internal static class ShiftCalendar
{
    /// <summary>Resolves an IANA id (with invariant globalization only IANA ids are reliable).</summary>
    public static TimeZoneInfo ResolveZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone)
            ? zone
            : throw new ArgumentException($"'{id}' is not a known IANA time zone id.", nameof(id));

    public static (bool OnShift, DateTimeOffset Until) Evaluate(WorkingHours hours, TimeZoneInfo zone, DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var overnight = hours.End <= hours.Start;
        var onShift = false;
        DateTime? next = null;
        // Shifts starting from two days ago to eight days ahead cover the current one and the next boundary.
        for (var d = -2; d <= 8; d++)
        {
            var day = local.Date.AddDays(d);
            if (!hours.Days.Contains(day.DayOfWeek))
            {
                continue;
            }
            var start = day + hours.Start.ToTimeSpan();
            var end = (overnight ? day.AddDays(1) : day) + hours.End.ToTimeSpan();
            if (start <= local && local < end)
            {
                onShift = true;
            }
            foreach (var boundary in (ReadOnlySpan<DateTime>)[start, end])
            {
                if (boundary > local && (next is null || boundary < next))
                {
                    next = boundary;
                }
            }
        }
        if (next is not { } boundaryLocal)
        {
            return (onShift, now.AddDays(7));
        }
        var until = new DateTimeOffset(boundaryLocal, zone.GetUtcOffset(boundaryLocal));
        // Daylight-saving gaps can put the local boundary "before" now; re-check a minute later.
        return (onShift, until > now ? until : now.AddMinutes(1));
    }
}
