global using MiniTorch.Autograd;
