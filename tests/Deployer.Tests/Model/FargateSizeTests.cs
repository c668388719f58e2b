using Aspire.Deployer.Model;

namespace Aspire.Deployer.Tests.Model;

public sealed class FargateSizeTests
{
    [Theory]
    [InlineData(256, 512)]
    [InlineData(256, 2048)]
    [InlineData(512, 4096)]
    [InlineData(1024, 8192)]
    [InlineData(2048, 16384)]
    [InlineData(4096, 30720)]
    [InlineData(8192, 61440)]
    [InlineData(16384, 122880)]
    public void ValidPairs_AreAccepted(int cpu, int memory)
    {
        Assert.Null(new FargateSize(cpu, memory).Problem());
    }

    // The ECS Developer Guide's "Task size" table, written out again here so the product's copy is checked against
    // an independent one: CPU units -> memory (MiB) from, to, step; 256 CPU takes exactly 512, 1024 and 2048.
    private static readonly (int Cpu, int[] Memory)[] Documented =
    [
        (256, [512, 1024, 2048]),
        (512, [1024, 2048, 3072, 4096]),
        (1024, [.. Enumerable.Range(2, 7).Select(g => g * 1024)]),
        (2048, [.. Enumerable.Range(4, 13).Select(g => g * 1024)]),
        (4096, [.. Enumerable.Range(8, 23).Select(g => g * 1024)]),
        (8192, [.. Enumerable.Range(4, 12).Select(g => g * 4096)]),
        (16384, [.. Enumerable.Range(4, 12).Select(g => g * 8192)]),
    ];

    [Fact]
    public void EveryCellOfFargatesTable_IsAcceptedAndNothingElse()
    {
        var memories = Enumerable.Range(1, 122880 / 512).Select(i => i * 512).ToList();
        foreach (var (cpu, valid) in Documented)
        {
            foreach (var memory in memories)
            {
                var size = new FargateSize(cpu, memory);
                Assert.True(size.IsValid == valid.Contains(memory), $"{size}: Fargate {(valid.Contains(memory) ? "accepts" : "refuses")} it");
            }
        }

        Assert.Equal(Documented.Select(r => r.Cpu), FargateSize.CpuValues);
        Assert.Equal(Documented.Sum(r => r.Memory.Length), Documented.Sum(r => FargateSize.MemoryValuesFor(r.Cpu).Count));
    }

    [Fact]
    public void QuarterVcpuWith1536MiB_IsRefusedNamingTheThreeThatFit()
    {
        var problem = new FargateSize(256, 1536).Problem();

        Assert.Equal("memory 1536 MiB does not fit cpu 256; with cpu 256 Fargate accepts 512, 1024, 2048 MiB.", problem);
    }

    [Theory]
    [InlineData(256, 4096)]
    [InlineData(512, 512)]
    [InlineData(1024, 1024)]
    [InlineData(4096, 31744)]
    [InlineData(8192, 18432)]
    public void MemoryThatDoesNotFitCpu_IsRejectedListingWhatFits(int cpu, int memory)
    {
        var problem = new FargateSize(cpu, memory).Problem();

        Assert.NotNull(problem);
        Assert.Contains($"memory {memory} MiB does not fit cpu {cpu}", problem);
        Assert.Contains(FargateSize.MemoryValuesFor(cpu)[0].ToString(), problem);
    }

    [Fact]
    public void UnknownCpu_IsRejectedListingEveryCpuValue()
    {
        var problem = new FargateSize(300, 512).Problem();

        Assert.NotNull(problem);
        Assert.Contains("256, 512, 1024, 2048, 4096, 8192, 16384", problem);
    }

    [Fact]
    public void MemoryValues_FollowFargatesSteps()
    {
        Assert.Equal([512, 1024, 2048], FargateSize.MemoryValuesFor(256));
        Assert.Equal(Enumerable.Range(2, 7).Select(g => g * 1024), FargateSize.MemoryValuesFor(1024));
        Assert.Empty(FargateSize.MemoryValuesFor(100));
    }
}
