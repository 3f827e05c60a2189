# The orchest-sdk release whose API this SDK implements (orchest.__version__).
__version__ = "0.3.11"
