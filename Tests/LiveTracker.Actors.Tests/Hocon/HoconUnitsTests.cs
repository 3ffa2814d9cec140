using LiveTracker.Actors.Hocon;
using Xunit;

namespace LiveTracker.Actors.Tests.Hocon;

public sealed class HoconUnitsTests
{
    public static TheoryData<string, TimeSpan> Durations => new()
    {
        { "30s", TimeSpan.FromSeconds(30) },
        { "250ms", TimeSpan.FromMilliseconds(250) },
        { "2m", TimeSpan.FromMinutes(2) },
        { "1h", TimeSpan.FromHours(1) },
        { "10d", TimeSpan.FromDays(10) },
        { "10 minutes", TimeSpan.FromMinutes(10) },
        { "1 second", TimeSpan.FromSeconds(1) },
        { " 1.5h ", TimeSpan.FromMinutes(90) },
        { "500 millis", TimeSpan.FromMilliseconds(500) },
        { "100us", TimeSpan.FromTicks(1000) },
        { "0s", TimeSpan.Zero },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void DurationsWithUnitsParse(string text, TimeSpan expected)
    {
        Assert.True(HoconDuration.TryParse(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5 parsecs")]
    [InlineData("1.2.3s")]
    [InlineData("5s extra")]
    [InlineData("99999999999999999999999999999d")]
    [InlineData(null)]
    public void DurationsWithoutAKnownUnitAreRejected(string? text)
    {
        Assert.False(HoconDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(600_000, "10m")]
    [InlineData(250, "250ms")]
    [InlineData(86_400_000, "1d")]
    [InlineData(0, "0s")]
    public void DurationsFormatInTheirShortestExactUnit(long milliseconds, string expected)
    {
        Assert.Equal(expected, HoconDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("8388608", 8_388_608)]
    [InlineData("8 MiB", 8_388_608)]
    [InlineData("8M", 8_388_608)]
    [InlineData("512K", 524_288)]
    [InlineData("1kB", 1000)]
    [InlineData("2 MB", 2_000_000)]
    [InlineData("1.5 KiB", 1536)]
    [InlineData("100 bytes", 100)]
    public void ByteSizesParse(string text, long expected)
    {
        Assert.True(HoconByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("1.5 B")]
    [InlineData("8 MiBs")]
    [InlineData("KB")]
    [InlineData("-1")]
    public void MalformedByteSizesAreRejected(string text)
    {
        Assert.False(HoconByteSize.TryParse(text, out _));
    }
}
