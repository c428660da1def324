return await Speedera.Edge.EdgeProgram.RunAsync(args);
