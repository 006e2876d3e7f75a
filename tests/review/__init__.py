"""Tests of the trainers' review tool."""
