using LiveTracker.Actors.Billing;
using LiveTracker.Actors.Configuration;
using Xunit;

namespace LiveTracker.Actors.Tests.Configuration;

public sealed class SettingsReaderTests
{
    private static SettingsReader Reader(string hocon) =>
        new(SettingsFile.Parse(hocon, "app.hocon", "/srv/app", _ => null), "app");

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("yes", true)]
    [InlineData("off", false)]
    [InlineData("\"TRUE\"", true)]
    public void BooleansAcceptHoconSpellings(string literal, bool expected)
    {
        var reader = Reader($"app.enabled = {literal}");

        Assert.Equal(expected, reader.GetBool("enabled", !expected));
        Assert.False(reader.HasErrors);
    }

    [Fact]
    public void BadBooleanIsReportedAndTheDefaultKept()
    {
        var reader = Reader("app {\n  enabled = maybe\n}");

        Assert.True(reader.GetBool("enabled", true));
        var error = Assert.Throws<ConfigurationErrorException>(reader.ThrowIfInvalid);
        Assert.Equal("app.hocon: app.enabled = \"maybe\" is not a boolean (true or false; yes/no and on/off also work)", error.Message);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("10d", 864_000_000)]
    [InlineData("10 minutes", 600_000)]
    [InlineData("1.5h", 5_400_000)]
    public void DurationsTakeAUnit(string literal, long milliseconds)
    {
        var reader = Reader($"app.timeout = {literal}");

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), reader.GetDuration("timeout", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.MaxValue));
        Assert.False(reader.HasErrors);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5 fortnights")]
    public void DurationsWithoutAKnownUnitAreRefused(string literal)
    {
        var reader = Reader($"app.timeout = {literal}");

        Assert.Equal(TimeSpan.FromSeconds(1), reader.GetDuration("timeout", TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.FromDays(1)));
        Assert.StartsWith($"app.hocon: app.timeout = \"{literal}\" is not a duration between 0s and 1d", Assert.Single(reader.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8388608", 8_388_608)]
    [InlineData("512 KiB", 524_288)]
    [InlineData("8 MiB", 8_388_608)]
    [InlineData("4MB", 4_000_000)]
    [InlineData("1 GiB", 1_073_741_824)]
    public void SizesArePlainBytesOrTakeAUnit(string literal, long bytes)
    {
        var reader = Reader($"app.size = {literal}");

        Assert.Equal(bytes, reader.GetByteSize("size", 0, 0, long.MaxValue));
        Assert.False(reader.HasErrors);
    }

    [Theory]
    [InlineData("1.5 MiB")]
    [InlineData("8 XB")]
    [InlineData("9999999999 GiB")]
    [InlineData("-1")]
    public void MalformedSizesAreRefused(string literal)
    {
        var reader = Reader($"app.size = {literal}");

        Assert.Equal(1024, reader.GetByteSize("size", 1024, 0, long.MaxValue));
        Assert.Contains("is not a size between 0 B and", Assert.Single(reader.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyStringIsRejectedUnlessAllowed()
    {
        var reader = Reader("app { name = \"\", note = \"\" }");

        Assert.Equal("fallback", reader.GetString("name", "fallback"));
        Assert.Equal(string.Empty, reader.GetString("note", "fallback", allowEmpty: true));
        Assert.Equal("app.hocon: app.name = \"\" must not be empty", Assert.Single(reader.Errors).Message);
    }

    [Fact]
    public void AbsentKeysYieldDefaultsWithoutErrors()
    {
        var reader = Reader(string.Empty);

        Assert.Equal(3, reader.GetInt("count", 3, 1, 10));
        Assert.Equal(TimeSpan.FromSeconds(1), reader.GetDuration("timeout", TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.MaxValue));
        Assert.Equal("UTC", reader.GetTimeZone("zone", "UTC").Id);
        reader.RejectUnknownKeys();
        reader.ThrowIfInvalid();
    }

    [Fact]
    public void SectionsShareErrorsAndKnownKeys()
    {
        var reader = Reader("app { inner { a = 1, b = x } }");
        var inner = reader.Section("inner");

        Assert.Equal("app.inner", inner.Path);
        Assert.Equal(1, inner.GetInt("a", 0, 0, 5));
        reader.RejectUnknownKeys();

        Assert.Equal("app.hocon: unknown key app.inner.b; known keys in app.inner: a", Assert.Single(reader.Errors).Message);
    }

    [Fact]
    public void UnavailableDefaultZoneIsReported()
    {
        var reader = Reader(string.Empty);

        Assert.Equal(TimeZoneInfo.Utc, reader.GetTimeZone("zone", "Nowhere/Atlantis"));
        Assert.Contains("app.zone = \"Nowhere/Atlantis\" (the default) is not a time zone known to this machine", Assert.Single(reader.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Monday 07:00", DayOfWeek.Monday, 7, 0)]
    [InlineData("friday 23:59", DayOfWeek.Friday, 23, 59)]
    [InlineData("  Sun   0:05 ", DayOfWeek.Sunday, 0, 5)]
    public void WeeklyTimesParse(string text, DayOfWeek day, int hour, int minute)
    {
        Assert.True(WeeklyTime.TryParse(text, out var value));
        Assert.Equal(new WeeklyTime(day, new TimeOnly(hour, minute)), value);
    }

    [Theory]
    [InlineData("Monday")]
    [InlineData("07:00")]
    [InlineData("Mo 07:00")]
    [InlineData("Monday 7am")]
    [InlineData("1 07:00")]
    public void MalformedWeeklyTimesAreRejected(string text)
    {
        Assert.False(WeeklyTime.TryParse(text, out _));
    }

    [Fact]
    public void WeeklyTimePrintsAsWritten()
    {
        Assert.Equal("Monday 07:00", new WeeklyTime(DayOfWeek.Monday, new TimeOnly(7, 0)).ToString());
    }
}
