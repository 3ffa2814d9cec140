namespace LiveTracker.Actors.Billing;

/// <summary>Amounts are integer cents in the contract's currency; never floating point.</summary>
public static class Money
{
    /// <summary>
    /// What <paramref name="minutes"/> of work cost at <paramref name="hourlyRateCents"/> per hour, rounded half up
    /// to a whole cent (computed once on the week's total, so rounding happens once per timesheet).
    /// </summary>
    public static long AmountCents(long minutes, long hourlyRateCents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minutes);
        ArgumentOutOfRangeException.ThrowIfNegative(hourlyRateCents);
        return checked(((minutes * hourlyRateCents) + 30) / 60);
    }
}
